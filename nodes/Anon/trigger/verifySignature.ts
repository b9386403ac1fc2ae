/**
 * Svix / Standard Webhooks signature verification, with `node:crypto` only.
 *
 * Pure: no n8n imports, no I/O, no clock unless none is injected, never throws.
 * The trigger node turns a failed result into an HTTP 401 whose body is `reason` + `message`;
 * messages therefore never contain the secret, the expected signature or request data.
 */
import {
	createHmac,
	createPublicKey,
	createSecretKey,
	timingSafeEqual,
	verify as verifyWithPublicKey,
	type KeyObject,
} from 'node:crypto';

/** What the credential's `signingSecret` turns into. */
export type SigningKey =
	/** `whsec_…` (or bare base64): HMAC-SHA256 key for `v1` signatures. */
	| { kind: 'hmac'; key: KeyObject }
	/** `whpk_…`: Ed25519 public key for `v1a` signatures. */
	| { kind: 'ed25519'; key: KeyObject };

export type ParsedSecret = { ok: true; key: SigningKey } | { ok: false; message: string };

/** Why a request failed verification: the `reason` of its 401 answer (see answers.ts). */
export const VERIFY_FAILURE_REASONS = [
	'missing_headers',
	'invalid_header',
	'invalid_timestamp',
	'timestamp_too_old',
	'timestamp_too_new',
	'no_supported_signature',
	'no_matching_signature',
] as const;
export type VerifyFailureReason = (typeof VERIFY_FAILURE_REASONS)[number];

export type VerifyResult =
	| { ok: true; id: string; timestamp: number; version: 'v1' | 'v1a' }
	| { ok: false; reason: VerifyFailureReason; message: string };

export interface VerifyInput {
	/** Request headers with lower-case names, as Node.js gives them. */
	headers: Record<string, string | string[] | undefined>;
	/** The raw body bytes exactly as received: re-serialised JSON does not verify. */
	body: Buffer;
	key: SigningKey;
	/** Largest accepted distance between the signature timestamp and now. Default {@link DEFAULT_TOLERANCE_SECONDS}. */
	toleranceSeconds?: number;
	/** Injected clock, unix seconds. Default: the system clock. */
	nowSeconds?: number;
}

export const DEFAULT_TOLERANCE_SECONDS = 300;
/** Svix signs with one key, two during a 24 h rotation; far more entries is not Svix. */
export const MAX_SIGNATURE_ENTRIES = 16;
/** Ed25519 (`v1a`) signatures verified per request at most, as a key rotation needs (old and new key): each hashes the whole body again. */
export const MAX_V1A_SIGNATURES = 2;
/** Svix message ids are ~30 characters; the bound keeps the redelivery memory bounded too. */
export const MAX_MESSAGE_ID_LENGTH = 256;

const MIN_SECRET_BYTES = 16;
const MAX_SECRET_BYTES = 128;
const ED25519_PUBLIC_KEY_BYTES = 32;
const ED25519_SIGNATURE_BYTES = 64;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const CANONICAL_TIMESTAMP = /^(0|[1-9][0-9]{0,11})$/;

const WHERE_TO_COPY =
	'Copy it again from dashboard.anon.com/webhooks → your endpoint → Signing Secret.';

/**
 * Turns the credential's text into a key, or says exactly what is wrong with it.
 * Used by the node on every request (memoised by the caller) and by the credential test.
 */
export function parseSigningSecret(secret: string): ParsedSecret {
	const text = secret.trim();
	if (text === '') return { ok: false, message: `The signing secret is empty. ${WHERE_TO_COPY}` };

	const prefix = /^([a-z]{2,8})_/.exec(text)?.[1];
	if (prefix === 'whsk') {
		return {
			ok: false,
			message:
				'This is a private signing key (whsk_…), which belongs to the sender. Paste the public key (whpk_…) or the endpoint signing secret (whsec_…).',
		};
	}
	if (prefix !== undefined && prefix !== 'whsec' && prefix !== 'whpk') {
		return {
			ok: false,
			message: `A signing secret starts with "whsec_" (or "whpk_" for a public key), not "${prefix}_". ${WHERE_TO_COPY}`,
		};
	}

	const encoded = prefix === undefined ? text : text.slice(prefix.length + 1);
	const bytes = decodeBase64(encoded);
	if (bytes === undefined) {
		return {
			ok: false,
			message: `The signing secret is not valid base64 after its "${prefix ?? ''}${prefix ? '_' : ''}" prefix: it may be truncated or carry extra characters. ${WHERE_TO_COPY}`,
		};
	}

	if (prefix === 'whpk') {
		if (bytes.length !== ED25519_PUBLIC_KEY_BYTES) {
			return {
				ok: false,
				message: `A whpk_ public key holds ${ED25519_PUBLIC_KEY_BYTES} bytes; this one holds ${bytes.length}. ${WHERE_TO_COPY}`,
			};
		}
		const key = createPublicKey({
			key: { kty: 'OKP', crv: 'Ed25519', x: bytes.toString('base64url') },
			format: 'jwk',
		});
		return { ok: true, key: { kind: 'ed25519', key } };
	}

	if (bytes.length < MIN_SECRET_BYTES || bytes.length > MAX_SECRET_BYTES) {
		return {
			ok: false,
			message: `The signing secret decodes to ${bytes.length} bytes; Anon's secrets hold 24 to 64 (accepted: ${MIN_SECRET_BYTES} to ${MAX_SECRET_BYTES}). ${WHERE_TO_COPY}`,
		};
	}
	return { ok: true, key: { kind: 'hmac', key: createSecretKey(bytes) } };
}

/** Strict base64 (padding optional): Node's own decoder silently skips bad characters. */
function decodeBase64(text: string): Buffer | undefined {
	if (text === '' || text.length % 4 === 1 || !BASE64.test(text)) return undefined;
	return Buffer.from(text, 'base64');
}

const HEADER_SETS = {
	svix: { id: 'svix-id', timestamp: 'svix-timestamp', signature: 'svix-signature' },
	webhook: { id: 'webhook-id', timestamp: 'webhook-timestamp', signature: 'webhook-signature' },
} as const;

/** Reads one header; `undefined` when absent or empty, `null` when it came more than once. */
function header(headers: VerifyInput['headers'], name: string): string | undefined | null {
	const value = headers[name];
	if (typeof value === 'string') return value === '' ? undefined : value;
	if (Array.isArray(value)) return value.length === 1 && value[0] !== '' ? value[0] : null;
	return undefined;
}

/**
 * Verifies a webhook request signed the Svix / Standard Webhooks way:
 * `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>` or, with a `whpk_` key,
 * `v1a,<base64 Ed25519 signature>` over the same content. Any entry of the space-separated
 * signature header may match (secret rotation); unknown versions are skipped.
 *
 * Runs on every request, forged ones included, so the accepted path allocates little (its cost
 * beside a bare HMAC of the same bytes: BENCHMARKS.md, section 1).
 */
export function verifyWebhookSignature(input: VerifyInput): VerifyResult {
	const { headers, body, key } = input;
	const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;

	// Svix's own names win; the Standard Webhooks names are the white-labelled set.
	const names =
		headers['svix-id'] === undefined && headers['svix-signature'] === undefined && headers['webhook-id'] !== undefined
			? HEADER_SETS.webhook
			: HEADER_SETS.svix;
	const id = header(headers, names.id);
	const timestampText = header(headers, names.timestamp);
	const signatureText = header(headers, names.signature);
	if (typeof id !== 'string' || typeof timestampText !== 'string' || typeof signatureText !== 'string') {
		return headerProblem(names, id, timestampText, signatureText);
	}
	if (id.length > MAX_MESSAGE_ID_LENGTH) {
		return fail('invalid_header', `The ${names.id} header is longer than ${MAX_MESSAGE_ID_LENGTH} characters; Svix message ids are short (msg_…).`);
	}

	if (!CANONICAL_TIMESTAMP.test(timestampText)) {
		return fail('invalid_timestamp', `The ${names.timestamp} header must be a whole number of seconds since 1970 (unix time).`);
	}
	const entries = signatureText.split(' ');
	if (entries.length > MAX_SIGNATURE_ENTRIES && entries.filter((e) => e !== '').length > MAX_SIGNATURE_ENTRIES) {
		return fail('invalid_header', `The ${names.signature} header holds more than ${MAX_SIGNATURE_ENTRIES} signatures; at most ${MAX_SIGNATURE_ENTRIES} are read.`);
	}

	const wanted = key.kind === 'hmac' ? 'v1' : 'v1a';
	const candidates: string[] = [];
	for (const entry of entries) {
		if (entry.startsWith(wanted) && entry.charCodeAt(wanted.length) === 44 /* , */) {
			candidates.push(entry.slice(wanted.length + 1));
		}
	}
	if (candidates.length === 0) {
		return fail('no_supported_signature', noSupportedSignatureMessage(names.signature, wanted, entries));
	}
	if (key.kind === 'ed25519' && candidates.length > MAX_V1A_SIGNATURES) {
		return fail('invalid_header', `The ${names.signature} header holds ${candidates.length} v1a signatures; a key rotation needs at most ${MAX_V1A_SIGNATURES}, and no more are verified.`);
	}

	const prefix = `${id}.${timestampText}.`;
	const matched = key.kind === 'hmac' ? matchesHmac(key.key, prefix, body, candidates) : matchesEd25519(key.key, prefix, body, candidates);
	if (!matched) {
		return fail(
			'no_matching_signature',
			`None of the ${candidates.length} ${wanted} signature${candidates.length > 1 ? 's' : ''} in ${names.signature} matches this body. Check that the n8n credential holds the signing secret of this very endpoint (each Anon endpoint has its own; after a rotation use the new one), and that no proxy rewrites the request body.`,
		);
	}
	// Time is judged after the signature: only a request signed with this key is evidence of a clock.
	const timestamp = Number(timestampText);
	const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
	// Written so that a tolerance that is not a number (NaN) refuses instead of accepting.
	if (!(now - timestamp <= tolerance)) {
		return fail(
			'timestamp_too_old',
			`The ${names.timestamp} is ${now - timestamp} s older than this server's clock (tolerance ${tolerance} s). Replayed requests are refused; if this is a real delivery, check the n8n server's clock (NTP) or raise "Timestamp Tolerance".`,
		);
	}
	if (!(timestamp - now <= tolerance)) {
		return fail(
			'timestamp_too_new',
			`The ${names.timestamp} is ${timestamp - now} s ahead of this server's clock (tolerance ${tolerance} s). Check the n8n server's clock (NTP) or raise "Timestamp Tolerance".`,
		);
	}
	return { ok: true, id, timestamp, version: wanted };
}

function headerProblem(
	names: (typeof HEADER_SETS)[keyof typeof HEADER_SETS],
	...values: Array<string | undefined | null>
): VerifyResult {
	const all = [names.id, names.timestamp, names.signature];
	const missing = all.filter((_, i) => values[i] === undefined);
	if (missing.length > 0) {
		return fail(
			'missing_headers',
			`Missing ${missing.join(', ')} header${missing.length > 1 ? 's' : ''}. Anon (through Svix) sends svix-id, svix-timestamp and svix-signature (or the webhook-* equivalents); requests without them are not from Anon, or a proxy dropped the headers.`,
		);
	}
	return fail('invalid_header', `The ${all.join(', ')} headers must each appear once.`);
}

const HMAC_BASE64_LENGTH = 44;
// Scratch space for the comparison: verification is synchronous, so one buffer serves all calls
// and the hot path allocates nothing for it.
const scratch = Buffer.alloc(2 * HMAC_BASE64_LENGTH);
const expectedText = scratch.subarray(0, HMAC_BASE64_LENGTH);
const givenText = scratch.subarray(HMAC_BASE64_LENGTH);

function matchesHmac(key: KeyObject, prefix: string, body: Buffer, candidates: string[]): boolean {
	// Compare the canonical base64 text, as the official libraries do: comparing decoded bytes
	// would also accept variants that differ in base64's unused trailing bits.
	scratch.write(createHmac('sha256', key).update(prefix).update(body).digest('base64'), 0, 'latin1');
	let matched = false;
	for (const candidate of candidates) {
		// Length is public (always 44); equal-length texts are compared in constant time.
		// UTF-8, not latin1: latin1 would fold "Ł" onto "A". A non-ASCII candidate either writes
		// fewer than 44 bytes or leaves a byte ≥ 0x80 that no base64 text contains.
		if (candidate.length !== HMAC_BASE64_LENGTH || givenText.write(candidate, 'utf8') !== HMAC_BASE64_LENGTH) continue;
		if (timingSafeEqual(givenText, expectedText)) matched = true;
	}
	return matched;
}

// Ed25519 verifies one contiguous message: `prefix` and `body` are copied into a buffer that is
// reused (a fresh one costs more than the verification) and grows to the largest body seen.
let ed25519Content = Buffer.alloc(0);

function matchesEd25519(key: KeyObject, prefix: string, body: Buffer, candidates: string[]): boolean {
	const length = Buffer.byteLength(prefix) + body.length;
	if (ed25519Content.length < length) ed25519Content = Buffer.allocUnsafeSlow(length);
	const written = ed25519Content.write(prefix, 0, 'utf8');
	body.copy(ed25519Content, written);
	const content = ed25519Content.subarray(0, length);
	return candidates.some((candidate) => {
		const signature = decodeBase64(candidate);
		return (
			signature !== undefined &&
			signature.length === ED25519_SIGNATURE_BYTES &&
			signature.toString('base64') === candidate &&
			verifyWithPublicKey(null, content, key, signature)
		);
	});
}

function noSupportedSignatureMessage(headerName: string, wanted: string, entries: string[]): string {
	const seen = new Set(
		entries
			.filter((entry) => entry !== '')
			.map((entry) => entry.split(',')[0])
			.map((version) => (/^v[0-9]{1,3}[a-z]?$/.test(version) ? version : 'unversioned')),
	);
	const found = seen.size > 0 ? `it holds only ${[...seen].map((v) => `"${v}"`).join(', ')}` : 'it holds no signature';
	if (wanted === 'v1' && seen.has('v1a')) {
		return `The ${headerName} header carries no v1 signature (${found}). The request is signed with an asymmetric key: put the endpoint's public key (whpk_…) in the n8n credential.`;
	}
	if (wanted === 'v1a' && seen.has('v1')) {
		return `The ${headerName} header carries no v1a signature (${found}). The request is signed with a shared secret: put the endpoint's signing secret (whsec_…) in the n8n credential.`;
	}
	return `The ${headerName} header carries no ${wanted} signature (${found}); expected "${wanted},<base64>".`;
}

function fail(reason: VerifyFailureReason, message: string): VerifyResult {
	return { ok: false, reason, message };
}
