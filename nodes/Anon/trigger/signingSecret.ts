/**
 * The credential's Signing Secret: the text a user pasted, turned into the key requests are
 * verified with, or told exactly what is wrong with it, in words for the credential test and
 * n8n's log (never the secret itself). Pure: no n8n calls.
 */
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';

/** What the credential's `signingSecret` turns into. */
export type SigningKey =
	/** `whsec_…` (or bare base64): HMAC-SHA256 key for `v1` signatures. */
	| { kind: 'hmac'; key: KeyObject }
	/** `whpk_…`: Ed25519 public key for `v1a` signatures. */
	| { kind: 'ed25519'; key: KeyObject };

export type ParsedSecret = { ok: true; key: SigningKey } | { ok: false; message: string };

const MIN_SECRET_BYTES = 16;
const MAX_SECRET_BYTES = 128;
const ED25519_PUBLIC_KEY_BYTES = 32;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

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
export function decodeBase64(text: string): Buffer | undefined {
	if (text === '' || text.length % 4 === 1 || !BASE64.test(text)) return undefined;
	return Buffer.from(text, 'base64');
}

/** The credential's two secrets: the endpoint's key, and the testing endpoint's secret, parsed, if one is set. */
export type CredentialSecrets = { ok: true; key: SigningKey; testing?: ParsedSecret } | { ok: false; message: string };

/**
 * Reads the credential's Signing Secret and optional Testing Endpoint Signing Secret, as the
 * credential test and every request read them (a testing secret left blank is none).
 */
export function parseCredentialSecrets(data: { signingSecret?: unknown; testSigningSecret?: unknown } | undefined): CredentialSecrets {
	const parsed = parseSigningSecret(String(data?.signingSecret ?? ''));
	if (!parsed.ok) return parsed;
	const testing = String(data?.testSigningSecret ?? '').trim();
	return { ok: true, key: parsed.key, testing: testing === '' ? undefined : parseSigningSecret(testing) };
}
