/**
 * The request headers *Include Delivery Details* copies into every execution, where anyone who
 * can open the workflow's executions reads them. Only the endpoint's custom headers (Anon's
 * dashboard → endpoint → Advanced) are kept, and the value of any header that may carry a
 * credential is replaced: the name stays, so a user still sees that the header arrived.
 */
import type { IDataObject } from 'n8n-workflow';

export const REDACTED = '[redacted]';

/** Transport, proxy and signature headers: not the endpoint's custom ones. */
const STANDARD_HEADERS = new Set([
	'accept',
	'accept-encoding',
	'connection',
	'content-length',
	'content-type',
	'forwarded',
	'host',
	'user-agent',
	'via',
]);
const STANDARD_PREFIX = /^(svix|webhook|x-forwarded|x-real)-/;

const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key']);
/** Any name containing one of these may carry a credential (`x-auth-token`, `x-client-secret`, `api-key`, …). */
const CREDENTIAL_NAME = /token|secret|signature|key|auth|cookie|passw|credential|session/;

export function isCredentialHeader(name: string): boolean {
	const lower = name.toLowerCase();
	return CREDENTIAL_HEADERS.has(lower) || CREDENTIAL_NAME.test(lower);
}

/** The custom headers of a request (names as Node.js gives them: lower case), credentials redacted. */
export function deliveryHeaders(headers: Record<string, string | string[] | undefined>): IDataObject {
	const custom: IDataObject = {};
	for (const [name, value] of Object.entries(headers)) {
		const lower = name.toLowerCase();
		if (value === undefined || STANDARD_HEADERS.has(lower) || STANDARD_PREFIX.test(lower)) continue;
		custom[lower] = isCredentialHeader(lower) ? REDACTED : value;
	}
	return custom;
}
