/**
 * Drives `Anon.execute()` the way n8n runs a regular node, without n8n: per-item parameters
 * (what expressions resolved to), a credential, "Continue On Fail", and an
 * `httpRequestWithAuthentication` that applies the credential's own `authenticate` headers
 * and makes a real HTTP request, so the auth wiring is exercised end to end.
 */
import type {
	ICredentialDataDecryptedObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	INodeExecutionData,
	NodeApiError,
	NodeOperationError,
} from 'n8n-workflow';

import { randomBytes } from 'node:crypto';

import { AnonApi } from '../../credentials/AnonApi.credentials';
import { Anon } from '../../nodes/Anon/Anon.node';
import { startAnonApiStandIn, type AnonApiStandIn } from './anonApiStandIn';

const credentialType = new AnonApi();

/** Resolves `={{$credentials.name}}` and `={{$credentials.name.trim()}}` templates, the only forms the credential uses. */
export function resolveCredentialTemplate(template: string, credentials: ICredentialDataDecryptedObject): string {
	const text = template.startsWith('=') ? template.slice(1) : template;
	return text.replace(/\{\{\s*\$credentials\??\.(\w+)(\.trim\(\))?\s*\}\}/g, (_, name: string, trim?: string) => {
		const value = String(credentials[name] ?? '');
		return trim ? value.trim() : value;
	});
}

/** An error shaped like the one n8n's request helper throws for a status it does not ignore. */
export class HttpStatusError extends Error {
	constructor(
		readonly httpCode: number,
		readonly body: unknown,
	) {
		super(`Request failed with status code ${httpCode}`);
	}
}

function failsOn(status: number, ignore: IHttpRequestOptions['ignoreHttpStatusErrors']): boolean {
	if (status < 300) return false;
	if (ignore === true) return false;
	if (ignore && typeof ignore === 'object') return ignore.except.includes(status);
	return true;
}

/** n8n's `httpRequestWithAuthentication`, reduced to what the node and credential test use. */
export async function authenticatedRequest(
	credentials: ICredentialDataDecryptedObject,
	options: IHttpRequestOptions,
): Promise<unknown> {
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(options.headers ?? {})) headers[name] = String(value);
	for (const [name, value] of Object.entries(credentialType.authenticate.properties.headers ?? {})) {
		headers[name] = resolveCredentialTemplate(String(value), credentials);
	}
	let body: string | undefined;
	if (options.body !== undefined) {
		body = JSON.stringify(options.body);
		headers['content-type'] = 'application/json';
	}
	const baseURL = options.baseURL ? resolveCredentialTemplate(options.baseURL, credentials).replace(/\/+$/, '') : '';
	const url = new URL(`${baseURL}${options.url}`);
	if (url.username || url.password) {
		// As axios does in n8n's request helper: a URL's user:password@ becomes Basic auth, which
		// replaces any Authorization header (fetch itself refuses such a URL).
		for (const name of Object.keys(headers)) if (name.toLowerCase() === 'authorization') delete headers[name];
		headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
		url.username = '';
		url.password = '';
	}
	const response = await fetch(url, { method: options.method ?? 'GET', headers, body });
	const text = await response.text();
	let parsed: unknown = text;
	try {
		parsed = text ? JSON.parse(text) : '';
	} catch {
		// Text bodies stay text, as with n8n's helper.
	}
	if (failsOn(response.status, options.ignoreHttpStatusErrors)) throw new HttpStatusError(response.status, parsed);
	if (!options.returnFullResponse) return parsed;
	return {
		statusCode: response.status,
		statusMessage: response.statusText,
		headers: Object.fromEntries(response.headers.entries()),
		body: parsed,
	};
}

export interface Run {
	/** Parameters of each input item, as n8n hands them to the node after resolving expressions. */
	items: Array<Record<string, unknown>>;
	credentials: ICredentialDataDecryptedObject;
	continueOnFail?: boolean;
}

export interface RunResult {
	output: INodeExecutionData[];
	/** Every credential type the node asked for. */
	credentialTypes: string[];
}

export async function runAnon({ items, credentials, continueOnFail = false }: Run): Promise<RunResult> {
	const credentialTypes: string[] = [];
	const node = { id: 'anon1', name: 'Anon', type: 'n8n-nodes-anon.anon', typeVersion: 1, position: [0, 0], parameters: {} };
	const context = {
		getInputData: () => items.map((_, index) => ({ json: { index } })),
		getNodeParameter: (name: string, itemIndex: number, fallback?: unknown) => items[itemIndex]?.[name] ?? fallback,
		getCredentials: async (type: string) => {
			credentialTypes.push(type);
			return credentials;
		},
		getNode: () => node,
		continueOnFail: () => continueOnFail,
		helpers: {
			async httpRequestWithAuthentication(type: string, options: IHttpRequestOptions) {
				credentialTypes.push(type);
				return await authenticatedRequest(credentials, options);
			},
		},
	} as unknown as IExecuteFunctions;
	const [output] = await new Anon().execute.call(context);
	return { output, credentialTypes };
}

/** Runs the node on one item and returns the error it throws (the test fails if it throws none). */
export async function anonFailure(item: Record<string, unknown>, credentials: ICredentialDataDecryptedObject): Promise<NodeApiError | NodeOperationError> {
	const error = await runAnon({ items: [item], credentials }).then(
		() => undefined,
		(e: unknown) => e,
	);
	expect(error).toBeDefined();
	return error as NodeApiError | NodeOperationError;
}

/**
 * The stand-in of Anon's API for a test file, with a fresh key in Anon's format: started before
 * its tests, emptied of recorded requests and failures before each, closed after all. `anon` and
 * `credentials` may be used from the tests on (they are filled in when the stand-in starts).
 */
export function anonApiForTests(): { anon: AnonApiStandIn; credentials: ICredentialDataDecryptedObject; apiKey: string } {
	const apiKey = `anon_${randomBytes(24).toString('hex')}`;
	const credentials: ICredentialDataDecryptedObject = { apiKey };
	let running: AnonApiStandIn | undefined;
	const started = (): AnonApiStandIn => {
		if (!running) throw new Error('the stand-in of Anon\'s API is used before its beforeAll');
		return running;
	};
	beforeAll(async () => {
		running = await startAnonApiStandIn({ apiKey });
		credentials.baseUrl = running.baseUrl;
	});
	afterAll(async () => await running?.close());
	beforeEach(() => running?.reset());
	const anon: AnonApiStandIn = {
		get baseUrl() {
			return started().baseUrl;
		},
		get requests() {
			return started().requests;
		},
		failNext: (...args) => started().failNext(...args),
		reset: () => started().reset(),
		close: async () => await started().close(),
	};
	return { anon, credentials, apiKey };
}
