/** The one way the Anon node calls Anon's API: the credential's Base URL and key, and Anon's failures turned into errors.ts's. */
import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IN8nHttpFullResponse,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { ANON_API_BASE_URL } from '../../../credentials/AnonApi.credentials';
import { anonHttpError, anonUnreachableError, quotedOrigin, userinfoSecrets, type FailedRequest } from './errors';

export interface AnonRequest {
	method: IHttpRequestMethods;
	/** Path under the base URL, e.g. `/api/v2/link`. */
	path: string;
	body?: IDataObject;
	/** Why a 404 happens for this request, in the user's terms. */
	notFound: string;
}

interface AnonApiCredentials {
	apiKey?: string;
	baseUrl?: string;
}

/**
 * The one place that talks to Anon. n8n adds `Authorization: Bearer <key>` (the key trimmed)
 * from the credential's `authenticate`; statuses are read here (not from thrown errors) so that every
 * failure gets a message that says what to do, and none carries the key.
 */
export async function anonApiRequest(
	this: IExecuteFunctions,
	request: AnonRequest,
	itemIndex: number,
): Promise<IDataObject> {
	const credentials = await this.getCredentials<AnonApiCredentials>('anonApi', itemIndex);
	// A key with a line break or another control character inside cannot go into a header: say
	// so before sending (Node's own error blames the connection), and never quote the key.
	if ([...(credentials.apiKey ?? '').trim()].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f)) {
		throw new NodeOperationError(this.getNode(), 'The API key in the Anon API credential contains a control character (a line break, tab or similar)', {
			description: "Paste the key again from Anon's dashboard (keys start with anon_), on one line with nothing else around it.",
			itemIndex,
		});
	}
	const baseUrl = (credentials.baseUrl || ANON_API_BASE_URL).trim().replace(/\/+$/, '');
	// A proxy's user:password@ in the Base URL is used for the request, never quoted: errors
	// quote only the origin.
	const failed: FailedRequest = {
		itemIndex,
		notFound: request.notFound,
		baseUrl,
		apiKey: credentials.apiKey ?? '',
		hidden: userinfoSecrets(baseUrl),
	};

	let response: IN8nHttpFullResponse;
	try {
		response = (await this.helpers.httpRequestWithAuthentication.call(this, 'anonApi', {
			method: request.method,
			url: `${baseUrl}${request.path}`,
			body: request.body,
			json: true,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
		})) as IN8nHttpFullResponse;
	} catch (error) {
		throw anonUnreachableError(this.getNode(), error, failed);
	}

	if (response.statusCode < 200 || response.statusCode >= 300) {
		throw anonHttpError(this.getNode(), response, failed);
	}
	if (typeof response.body !== 'object' || response.body === null || Array.isArray(response.body)) {
		// An HTML page or empty answer with 2xx: usually a Base URL that is not Anon's API.
		throw new NodeApiError(this.getNode(), { httpCode: String(response.statusCode) }, {
			message: 'Anon answered, but not with a JSON object',
			description: `Check that the Base URL in the Anon API credential (${quotedOrigin(baseUrl)}) points at Anon's API.`,
			itemIndex,
		});
	}
	return response.body as IDataObject;
}
