/**
 * The request headers *Include Delivery Details* copies into every execution, where anyone who
 * can open the workflow's executions reads them. Only the endpoint's custom headers (Anon's
 * dashboard → endpoint → Advanced, or whatever a proxy or identity layer adds) are kept, and
 * safe by default: every value is `[redacted]` (the name stays, so a user sees that the header
 * arrived) unless the user names the header in *Headers to Show*. No list of name fragments
 * can know every header that carries a credential (`cf-access-jwt-assertion`, `x-otp`,
 * `x-vault-tkn`, …); the user knows which of their headers are plain data.
 *
 * Even a named header stays redacted when it is a credential by nature (`authorization`,
 * `proxy-authorization`, `cookie`, `set-cookie`, `x-api-key`, `api-key`) or its value looks
 * like one (any of its values, or any comma-separated part of one): an authorization scheme
 * with credentials (`Bearer …`, `Basic …`, or one word then a token of 16+ characters holding
 * letters and digits), a credential parameter (`token=…`,
 * `password: …`), a JWT, a URL with a password, a PEM block, or a key of a well-known family
 * recognised by its prefix and shape (KEY_FORMATS): Svix (`whsec_`), Anon (`anon_`), Stripe,
 * GitHub, GitLab, Slack, Vault, Google, AWS, OpenAI (`sk-…`), Anthropic (`sk-ant-…`), npm,
 * SendGrid, Hugging Face, PyPI, Square, Shopify, DigitalOcean and Grafana. Nothing is guessed
 * from how random a value looks: request ids, trace ids and UUIDs that the user names are shown.
 *
 * Pure: no n8n calls.
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

/** Headers whose value is a credential whatever it looks like: never shown, even when named. */
export const NEVER_SHOWN = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'api-key']);

/**
 * HTTP authentication schemes (IANA's registry and common others) followed by credentials:
 * `Bearer …`, `Basic …`, `AWS4-HMAC-SHA256 Credential=…`.
 */
const AUTH_SCHEME =
	/^\s*(basic|bearer|digest|negotiate|ntlm|kerberos|hoba|mutual|scram-sha-1|scram-sha-256|vapid|dpop|gnap|privatetoken|concealed|oauth|token|apikey|api-key|key|jwt|hawk|mac|signature|aws|aws4-hmac-sha256|goog4-hmac-sha256|sharedkey|sharedkeylite|ssws|splunk|bot|sso-key)\s+\S/i;
/**
 * Any other `<scheme> <token>`: one word, then one long token of base64/base64url characters
 * holding letters and digits (`Acme-Sig 5d41402abc4b…`).
 */
const SCHEME_AND_TOKEN = /^\s*[A-Za-z][\w.+-]*\s+(?=[\w.~+/-]*\d)(?=[\w.~+/-]*[A-Za-z])[\w.~+/-]{16,}=*\s*$/;
/** `token=…`, `access_token=…`, `password: …` and the like. */
const CREDENTIAL_PARAMETER = /(^|[\s;,&?])(access_?token|id_?token|refresh_?token|token|secret|password|passwd|pwd|api_?key|apikey|sig|signature)\s*[=:]/i;
/** A JWT (JWS or JWE): `eyJ…` (base64url of `{"`) followed by a dot. */
const JWT = /eyJ[\w-]*\.[\w-]*/;
/** A URL with a password in it (`https://user:pass@host`). */
const URL_WITH_PASSWORD = /[a-z][\w+.-]*:\/\/[^\s/@:]*:[^\s/@]*@/i;
/** A PEM block: a private key, a certificate. */
const PEM = /-----BEGIN /;
/**
 * Well-known key and token formats, by family, recognised by their prefix and shape only
 * (never by how random a value looks, so that request ids, trace ids and UUIDs stay shown).
 */
export const KEY_FORMATS: ReadonlyArray<{ family: string; pattern: RegExp }> = [
	{ family: 'Svix', pattern: /\b(?:whsec_|whsk_)[\w-]{6,}/ },
	{ family: 'Anon', pattern: /\banon_[\w-]{6,}/ },
	{ family: 'Stripe', pattern: /\b(?:[sr]k_live_|[sr]k_test_|pk_live_)[\w-]{6,}/ },
	{ family: 'GitHub', pattern: /\b(?:gh[pousr]_|github_pat_)[\w-]{6,}/ },
	{ family: 'GitLab', pattern: /\bglpat-[\w-]{6,}/ },
	{ family: 'Slack', pattern: /\bxox[abposr]-[\w-]{6,}/ },
	{ family: 'Vault', pattern: /\bhv[sbr]\.[\w-]{6,}|\bs\.[A-Za-z0-9]{24}\b/ },
	{ family: 'Google', pattern: /\b(?:ya29\.|AIza)[\w-]{6,}/ },
	{ family: 'AWS', pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/ },
	{ family: 'OpenAI', pattern: /\bsk-(?!ant-)[\w-]{20,}/ },
	{ family: 'Anthropic', pattern: /\bsk-ant-[\w-]{20,}/ },
	{ family: 'npm', pattern: /\bnpm_[A-Za-z0-9]{36}(?![A-Za-z0-9])/ },
	{ family: 'SendGrid', pattern: /\bSG\.[\w-]{22}\.[\w-]{43}(?![\w-])/ },
	{ family: 'Hugging Face', pattern: /\bhf_[A-Za-z0-9]{30,}/ },
	{ family: 'PyPI', pattern: /\bpypi-AgE[\w-]{16,}/ },
	{ family: 'Square', pattern: /\bsq0(?:atp|csp)-[\w-]{22,}/ },
	{ family: 'Shopify', pattern: /\bshp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}/ },
	{ family: 'DigitalOcean', pattern: /\bdo[opr]_v1_[a-f0-9]{64}/ },
	{ family: 'Grafana', pattern: /\bgl(?:c|sa)_[\w+/=-]{20,}/ },
];

/** Whether a header value looks like a credential. */
export function looksLikeCredential(value: string): boolean {
	return (
		AUTH_SCHEME.test(value) ||
		SCHEME_AND_TOKEN.test(value) ||
		CREDENTIAL_PARAMETER.test(value) ||
		JWT.test(value) ||
		URL_WITH_PASSWORD.test(value) ||
		PEM.test(value) ||
		KEY_FORMATS.some((format) => format.pattern.test(value))
	);
}

/** The names in *Headers to Show*: comma- or newline-separated, any case. */
export function headerNameList(text: string): Set<string> {
	return new Set(
		text
			.split(/[,\n]/)
			.map((name) => name.trim().toLowerCase())
			.filter((name) => name !== ''),
	);
}

function redactedValue(name: string, value: string | string[], show: Set<string>): string | string[] {
	if (!show.has(name) || NEVER_SHOWN.has(name)) return REDACTED;
	// Every value of a repeated header, and every comma-separated part: Node joins a header that
	// came twice with ", " (`alice, Bearer …`), and the patterns above look at a value's start.
	const parts = (Array.isArray(value) ? value : [value]).flatMap((one) => [one, ...one.split(',')]);
	return parts.some(looksLikeCredential) ? REDACTED : value;
}

/**
 * The custom headers of a request (names as Node.js gives them: lower case), each value
 * `[redacted]` unless named in `headersToShow` (and not a credential).
 */
export function deliveryHeaders(headers: Record<string, string | string[] | undefined>, headersToShow = ''): IDataObject {
	const show = headerNameList(headersToShow);
	const custom: IDataObject = {};
	for (const [name, value] of Object.entries(headers)) {
		const lower = name.toLowerCase();
		if (value === undefined || STANDARD_HEADERS.has(lower) || STANDARD_PREFIX.test(lower)) continue;
		// defineProperty: a header named __proto__ must stay a field, not become the prototype.
		Object.defineProperty(custom, lower, { value: redactedValue(lower, value, show), enumerable: true, writable: true, configurable: true });
	}
	return custom;
}
