/**
 * Svix / Standard Webhooks signature verification, with `node:crypto` only: read the headers,
 * compute, compare, check the time, and say why a request failed as data (a reason and the facts
 * behind it). The words the caller reads are answers.ts's.
 *
 * Pure: no n8n imports, no I/O, no clock unless none is injected, never throws. A failure
 * carries header names and counts only: never the secret, the expected signature or request data.
 */
import { createHmac, timingSafeEqual, verify as verifyWithPublicKey, type KeyObject } from 'node:crypto';

import { decodeBase64, type SigningKey } from './signingSecret';

/** Why a request failed verification: the `reason` of its 401 answer (answers.ts words each). */
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

type SignatureVersion = 'v1' | 'v1a';

/** A failed verification: its reason, and the facts the answer's message is made of. */
export type VerifyFailure =
	| { reason: 'missing_headers'; missing: string[] }
	/** `headers`: the three names, one of which came more than once. */
	| { reason: 'invalid_header'; problem: 'repeated'; headers: string[] }
	| { reason: 'invalid_header'; problem: 'id_too_long' | 'too_many_signatures'; header: string }
	| { reason: 'invalid_header'; problem: 'too_many_v1a'; header: string; count: number }
	| { reason: 'invalid_timestamp'; header: string }
	/** `found`: the versions the header holds ("unversioned" for an entry without one). */
	| { reason: 'no_supported_signature'; header: string; wanted: SignatureVersion; found: string[] }
	| { reason: 'no_matching_signature'; header: string; wanted: SignatureVersion; candidates: number }
	/** `seconds`: how far the timestamp is from now, in the direction the reason names. */
	| { reason: 'timestamp_too_old' | 'timestamp_too_new'; header: string; seconds: number; tolerance: number };

export type VerifyResult = { ok: true; id: string; timestamp: number; version: SignatureVersion } | ({ ok: false } & VerifyFailure);

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

const ED25519_SIGNATURE_BYTES = 64;
const CANONICAL_TIMESTAMP = /^(0|[1-9][0-9]{0,11})$/;

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
		return { ok: false, reason: 'invalid_header', problem: 'id_too_long', header: names.id };
	}

	if (!CANONICAL_TIMESTAMP.test(timestampText)) {
		return { ok: false, reason: 'invalid_timestamp', header: names.timestamp };
	}
	const entries = signatureText.split(' ');
	if (entries.length > MAX_SIGNATURE_ENTRIES && entries.filter((e) => e !== '').length > MAX_SIGNATURE_ENTRIES) {
		return { ok: false, reason: 'invalid_header', problem: 'too_many_signatures', header: names.signature };
	}

	const wanted: SignatureVersion = key.kind === 'hmac' ? 'v1' : 'v1a';
	const candidates: string[] = [];
	for (const entry of entries) {
		if (entry.startsWith(wanted) && entry.charCodeAt(wanted.length) === 44 /* , */) {
			candidates.push(entry.slice(wanted.length + 1));
		}
	}
	if (candidates.length === 0) {
		return { ok: false, reason: 'no_supported_signature', header: names.signature, wanted, found: versionsIn(entries) };
	}
	if (key.kind === 'ed25519' && candidates.length > MAX_V1A_SIGNATURES) {
		return { ok: false, reason: 'invalid_header', problem: 'too_many_v1a', header: names.signature, count: candidates.length };
	}

	const prefix = `${id}.${timestampText}.`;
	const matched = key.kind === 'hmac' ? matchesHmac(key.key, prefix, body, candidates) : matchesEd25519(key.key, prefix, body, candidates);
	if (!matched) {
		return { ok: false, reason: 'no_matching_signature', header: names.signature, wanted, candidates: candidates.length };
	}
	// Time is judged after the signature: only a request signed with this key is evidence of a clock.
	const timestamp = Number(timestampText);
	const now = input.nowSeconds ?? Math.floor(Date.now() / 1000);
	// Written so that a tolerance that is not a number (NaN) refuses instead of accepting.
	if (!(now - timestamp <= tolerance)) {
		return { ok: false, reason: 'timestamp_too_old', header: names.timestamp, seconds: now - timestamp, tolerance };
	}
	if (!(timestamp - now <= tolerance)) {
		return { ok: false, reason: 'timestamp_too_new', header: names.timestamp, seconds: timestamp - now, tolerance };
	}
	return { ok: true, id, timestamp, version: wanted };
}

function headerProblem(
	names: (typeof HEADER_SETS)[keyof typeof HEADER_SETS],
	...values: Array<string | undefined | null>
): VerifyResult {
	const all = [names.id, names.timestamp, names.signature];
	const missing = all.filter((_, i) => values[i] === undefined);
	if (missing.length > 0) return { ok: false, reason: 'missing_headers', missing };
	return { ok: false, reason: 'invalid_header', problem: 'repeated', headers: all };
}

const HMAC_BASE64_LENGTH = 44;
// Scratch space for the comparison, shared by every call: safe because verification is
// synchronous from the write of the expected text to the last comparison (no await, no callback),
// so no other request can run in between and see or change it; Node runs one call at a time per
// isolate. It spares every request, forged ones included, an allocation (BENCHMARKS.md, section 3).
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
// Shared for the same reason as `scratch`: written and read within one synchronous call.
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

/** The signature versions a header's entries carry, each once, in the order first seen. */
function versionsIn(entries: string[]): string[] {
	const seen = new Set(
		entries
			.filter((entry) => entry !== '')
			.map((entry) => entry.split(',')[0])
			.map((version) => (/^v[0-9]{1,3}[a-z]?$/.test(version) ? version : 'unversioned')),
	);
	return [...seen];
}
