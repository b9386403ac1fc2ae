/** What the Anon node says when Anon's API fails or cannot be reached: NodeApiErrors that name the request, never its key. */
import type { IDataObject, INode, JsonObject } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

/** What the caller knows about the request, to say what went wrong in its terms. */
export interface FailedRequest {
	itemIndex: number;
	/** Why a 404 happens for this request, e.g. "Anon has no job with ID …". */
	notFound: string;
	/** The credential's Base URL as saved: messages quote only its origin (see {@link quotedOrigin}). */
	baseUrl: string;
	/** The API key as saved: removed, raw, trimmed and as `Bearer <key>`, from anything quoted back. */
	apiKey: string;
	/** Also removed from anything quoted: the Base URL's userinfo and password, if it has any. */
	hidden?: string[];
}

const INVALID_URL = 'an invalid URL';

/**
 * The only thing an error says about a Base URL: its origin (`scheme://host:port`), which
 * cannot carry a secret, or "an invalid URL". A password with an unencoded `/`, `?`, `#` or
 * `\` ends the authority early for a URL parser, which then takes part of the userinfo for the
 * host or port; an `@` after the authority's end is that case, and nothing of it is quoted.
 * (A Base URL with `@` in its path or query is quoted as invalid too: Anon's API has none.)
 */
export function quotedOrigin(baseUrl: string): string {
	const text = baseUrl.trim();
	const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text);
	if (!scheme) return INVALID_URL;
	const afterScheme = text.slice(scheme[0].length);
	const authorityEnd = afterScheme.search(/[/?#\\]/);
	if (authorityEnd !== -1 && afterScheme.slice(authorityEnd).includes('@')) return INVALID_URL;
	let url: URL;
	try {
		url = new URL(text);
	} catch {
		return INVALID_URL;
	}
	if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.host === '') return INVALID_URL;
	return `${url.protocol}//${url.host}`;
}

/** `scheme://user:password@` in a URL, anywhere in a text (the last @ before the path ends it). */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*@/gi;

/**
 * A text with the userinfo (`user:password@`) of every URL in it removed, so a Base URL such
 * as `https://user:pass@proxy.example.com` is quoted as `https://proxy.example.com`.
 */
export function withoutUserinfo(text: string): string {
	return text.replace(URL_USERINFO, '$1');
}

/**
 * The userinfo of a URL and its password, raw, decoded and percent-encoded: what must never
 * be quoted. Read both as a URL parser does (the authority ends at the first `/?#\`) and up to
 * the last `@`, for a password with an unencoded `/`, `?` or `#` in it.
 */
export function userinfoSecrets(url: string): string[] {
	const text = url.trim();
	const afterScheme = /^[a-z][a-z0-9+.-]*:\/\/(.*)$/is.exec(text)?.[1];
	if (afterScheme === undefined) return [];
	const authority = afterScheme.split(/[/?#\\]/)[0];
	const userinfos = [authority, afterScheme]
		.filter((part) => part.includes('@'))
		.map((part) => part.slice(0, part.lastIndexOf('@')));
	const secrets: string[] = [];
	for (const userinfo of userinfos) {
		const password = userinfo.includes(':') ? userinfo.slice(userinfo.indexOf(':') + 1) : '';
		secrets.push(userinfo, password);
		try {
			secrets.push(decodeURIComponent(password), encodeURIComponent(decodeURIComponent(password)));
		} catch {
			// Not valid percent-encoding: the raw text is all there is.
		}
	}
	try {
		const parsed = new URL(text);
		secrets.push(parsed.password, `${parsed.username}:${parsed.password}`);
	} catch {
		// Not a URL a parser accepts: the raw readings above are all there is.
	}
	// Very short passwords are left alone: removing every "ab" from a message would garble it.
	return [...new Set(secrets)].filter((secret) => secret.length >= 6);
}

export interface AnonResponse {
	statusCode: number;
	headers?: IDataObject;
	body?: unknown;
}

/** One message per status class: what happened, and what the user can do about it. */
export function anonHttpError(node: INode, response: AnonResponse, request: FailedRequest): NodeApiError {
	const status = response.statusCode;
	const answer = maskedExcerpt(response.body, request);
	let message: string;
	let description: string;
	if (status === 401) {
		message = 'Anon rejected the API key (401): it is wrong or has been revoked';
		description =
			"Create a new key in Anon's dashboard (keys start with anon_ and are shown once) and update the Anon API credential.";
	} else if (status === 403) {
		message = 'Anon refused this request for the API key (403)';
		description =
			"The key is known but not allowed to do this: check that it belongs to the organization that owns the job or run, or create a new key in Anon's dashboard.";
	} else if (status === 404) {
		message = `Not found (404): ${request.notFound}`;
		description = `Check the ID (map it from the Anon Trigger output) and that the credential's Base URL (${quotedOrigin(request.baseUrl)}) points at Anon.`;
	} else if (status === 429) {
		const retryAfter = headerValue(response.headers, 'retry-after');
		message = 'Anon is rate limiting these requests (429): slow down and retry';
		description = `${retryAfter ? `Anon asks to wait ${retryAfter} seconds. ` : ''}Send fewer requests at once, e.g. Loop Over Items with a Wait node, and turn on Retry On Fail in the node settings.`;
	} else if (status >= 500) {
		message = `Anon is having trouble (${status}); retry later`;
		description = 'This is on Anon\'s side, not your workflow. Retry in a few minutes (Retry On Fail in the node settings does it automatically); if it persists, contact Anon support.';
	} else {
		message = `Anon rejected the request (${status})`;
		description = 'Check the parameters against the Anon API reference.';
	}
	if (answer) description += ` Anon answered: ${answer}`;
	return new NodeApiError(node, { httpCode: String(status) } as JsonObject, {
		message,
		description,
		httpCode: String(status),
		itemIndex: request.itemIndex,
	});
}

/** No HTTP answer at all: DNS, refused connection, TLS, timeout. */
export function anonUnreachableError(node: INode, error: unknown, request: FailedRequest): NodeApiError {
	const cause = error as { code?: unknown; cause?: { code?: unknown }; message?: unknown };
	const code = String(cause?.code ?? cause?.cause?.code ?? '');
	const detail = code || maskedExcerpt(cause?.message, request);
	const origin = quotedOrigin(request.baseUrl);
	const hint = origin === INVALID_URL ? ' If it has a user:password@, percent-encode any /, ?, # or @ in the password.' : '';
	// The original error is not passed on: request errors can carry the request headers,
	// and with them the API key, and the URL with its userinfo.
	return new NodeApiError(node, { message: 'Anon could not be reached' } as JsonObject, {
		message: `Could not reach Anon at ${origin}`,
		description: `Check the Base URL in the Anon API credential and that n8n can reach it.${hint}${detail ? ` (${detail})` : ''}`,
		itemIndex: request.itemIndex,
	});
}

/**
 * The API key in every form it may be quoted back in: as saved, trimmed, as sent (`Bearer …`),
 * and base64-encoded wherever it sits in an encoded text (a Basic header's `user:key` pair).
 */
function keyForms(apiKey: string): string[] {
	const key = apiKey.trim();
	return key === '' ? [] : [`Bearer ${key}`, apiKey, key, ...base64Forms(key)];
}

/**
 * The base64 characters that encode only the key's bytes, for each of its three alignments in
 * an encoded text: base64 turns 3 bytes into 4 characters, so the key's characters depend on
 * where it starts modulo 3 (`key:`, `:key`, `apikey:key`), never on what stands around it.
 */
function base64Forms(key: string): string[] {
	const bytes = Buffer.from(key);
	const forms: string[] = [];
	for (let offset = 0; offset < 3; offset++) {
		const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
		const form = encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
		if (form.length >= 8) forms.push(form);
	}
	return forms;
}

/** A short, key-free excerpt of whatever body Anon sent (no error format is documented). */
function maskedExcerpt(body: unknown, request: FailedRequest): string {
	if (body === undefined || body === null || body === '') return '';
	let text = typeof body === 'string' ? body : JSON.stringify(body);
	// The Base URL as saved, wherever it is echoed, becomes what messages say of it.
	const baseUrl = request.baseUrl.trim();
	for (const form of [baseUrl, baseUrl.replace(/\/+$/, '')]) {
		if (form.length >= 6) text = text.split(form).join(quotedOrigin(baseUrl));
	}
	text = withoutUserinfo(text);
	const secrets = [...keyForms(request.apiKey), ...(request.hidden ?? [])].sort((a, b) => b.length - a.length);
	for (const secret of secrets) {
		if (secret) text = text.split(secret).join('***');
	}
	text = text.replace(/\s+/g, ' ').trim();
	return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

function headerValue(headers: IDataObject | undefined, name: string): string | undefined {
	const value = headers?.[name] ?? headers?.[name.toLowerCase()];
	return typeof value === 'string' && value !== '' ? value : undefined;
}
