/** The Svix signature scheme (verifySignature.ts) against Svix's vectors and the svix and standardwebhooks libraries, and parseSigningSecret. */
import { generateKeyPairSync, randomBytes, sign as ed25519Sign } from 'node:crypto';

import fc from 'fast-check';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook } from 'svix';

import vectors from '../../fixtures/svix-vectors.json';

import { verifyFailureMessage } from '../../nodes/Anon/trigger/answers';
import { parseSigningSecret, type SigningKey } from '../../nodes/Anon/trigger/signingSecret';
import { verifyWebhookSignature, type VerifyInput } from '../../nodes/Anon/trigger/verifySignature';

const NOW = 1_760_000_000;
const randomSecret = (bytes = 24) => `whsec_${randomBytes(bytes).toString('base64')}`;

function keyOf(secret: string): SigningKey {
	const parsed = parseSigningSecret(secret);
	if (!parsed.ok) throw new Error(parsed.message);
	return parsed.key;
}

function svixHeaders(id: string, timestamp: number, signature: string) {
	return { 'svix-id': id, 'svix-timestamp': String(timestamp), 'svix-signature': signature };
}

function verify(input: Omit<VerifyInput, 'body'> & { body: string | Buffer }) {
	return verifyWebhookSignature({ nowSeconds: NOW, ...input, body: Buffer.from(input.body) });
}

describe('Svix documentation vectors', () => {
	it.each(vectors)('$source verifies', ({ signingSecret, id, timestamp, body, signature }) => {
		const headers = svixHeaders(id, timestamp, signature);
		const result = verify({ headers, body, key: keyOf(signingSecret), nowSeconds: timestamp });
		expect(result).toEqual({ ok: true, id, timestamp, version: 'v1' });
		// The same secret without its "whsec_" prefix works too.
		const bare = signingSecret.slice('whsec_'.length);
		expect(verify({ headers, body, key: keyOf(bare), nowSeconds: timestamp }).ok).toBe(true);
		// And the svix library, as an independent signer, agrees with the vector.
		expect(new Webhook(signingSecret).sign(id, new Date(timestamp * 1000), body)).toBe(signature);
	});
});

/** Replaces the character at `index` with a different one from `alphabet`. */
function changeChar(text: string, index: number, alphabet: string, pick: number): string {
	const choices = alphabet.replace(text[index], '');
	return text.slice(0, index) + choices[pick % choices.length] + text.slice(index + 1);
}
const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

describe('1,000 random deliveries signed by the svix library', () => {
	// Body: a random unicode string repeated up to the drawn size (up to 1 MiB).
	const delivery = fc.record({
		secretBytes: fc.integer({ min: 24, max: 64 }),
		id: fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme-ascii' }).map((s) => `msg_${s.replace(/\s/g, '_')}`),
		skew: fc.integer({ min: -300, max: 300 }),
		unit: fc.string({ minLength: 1, maxLength: 64, unit: 'grapheme' }),
		size: fc.oneof(
			fc.integer({ min: 0, max: 1024 }),
			fc.integer({ min: 1024, max: 64 * 1024 }),
			fc.integer({ min: 64 * 1024, max: 1024 * 1024 }),
		),
		mutation: fc.nat(),
	});

	it('accepts each and rejects a one-byte change to body, id, timestamp or signature', () => {
		const drawn = { over64KiB: 0, multiByte: 0, past: 0, future: 0, lastSignatureChar: 0, secretBytes: new Set<number>() };
		fc.assert(
			fc.property(delivery, ({ secretBytes, id, skew, unit, size, mutation }) => {
				const secret = `whsec_${randomBytes(secretBytes).toString('base64')}`;
				const key = keyOf(secret);
				const body = unit.repeat(Math.ceil(size / unit.length) || 1).slice(0, Math.max(size, 1));
				const timestamp = NOW + skew;
				const signature = new Webhook(secret).sign(id, new Date(timestamp * 1000), body);
				const headers = svixHeaders(id, timestamp, signature);
				const bytes = Buffer.from(body);
				if (bytes.length > 64 * 1024) drawn.over64KiB += 1;
				if (bytes.length > body.length) drawn.multiByte += 1;
				if (skew < 0) drawn.past += 1;
				if (skew > 0) drawn.future += 1;
				drawn.secretBytes.add(secretBytes);

				expect(verify({ headers, body: bytes, key })).toEqual({ ok: true, id, timestamp, version: 'v1' });

				const tamperedBody = Buffer.from(bytes);
				const at = mutation % tamperedBody.length;
				tamperedBody[at] ^= 1 + (mutation % 255);
				expect(verify({ headers, body: tamperedBody, key }).ok).toBe(false);

				const idAt = mutation % id.length;
				const tamperedId = changeChar(id, idAt, 'abcdefghijklmnopqrstuvwxyz0123456789_', mutation);
				expect(verify({ headers: { ...headers, 'svix-id': tamperedId }, body: bytes, key }).ok).toBe(false);

				const ts = String(timestamp);
				const tamperedTs = changeChar(ts, ts.length - 1 - (mutation % 3), '0123456789', mutation);
				expect(verify({ headers: { ...headers, 'svix-timestamp': tamperedTs }, body: bytes, key }).ok).toBe(false);

				// Any character of the base64 signature, including the last one, whose low bits
				// base64 decoders ignore.
				const encoded = signature.slice(3);
				const sigAt = mutation % 44 === 43 ? 42 : mutation % 43;
				if (sigAt === 42) drawn.lastSignatureChar += 1;
				const tamperedSig = `v1,${changeChar(encoded, sigAt, BASE64_ALPHABET, mutation)}`;
				expect(verify({ headers: { ...headers, 'svix-signature': tamperedSig }, body: bytes, key }).ok).toBe(false);
			}),
			{ numRuns: 1000 },
		);
		// The deliveries covered what the title promises (typical counts in comments).
		expect(drawn.over64KiB).toBeGreaterThanOrEqual(300); // ~500
		expect(drawn.multiByte).toBeGreaterThanOrEqual(700); // ~970
		expect(drawn.past).toBeGreaterThanOrEqual(300); // ~500
		expect(drawn.future).toBeGreaterThanOrEqual(300); // ~500
		expect(drawn.lastSignatureChar).toBeGreaterThanOrEqual(10); // ~45
		expect(drawn.secretBytes).toEqual(new Set(Array.from({ length: 41 }, (_, i) => 24 + i)));
	});
});

describe('header sets, rotation and asymmetric signatures', () => {
	const secret = randomSecret();
	const body = '{"type":"link.opened"}';
	const date = new Date(NOW * 1000);

	it('accepts the Standard Webhooks webhook-* header names (signed by standardwebhooks)', () => {
		const signature = new StandardWebhook(secret).sign('msg_std', date, body);
		const headers = { 'webhook-id': 'msg_std', 'webhook-timestamp': String(NOW), 'webhook-signature': signature };
		expect(verify({ headers, body, key: keyOf(secret) })).toMatchObject({ ok: true, id: 'msg_std' });
	});

	it('accepts either secret while Svix signs with the old and the new one', () => {
		const newSecret = `whsec_${randomBytes(32).toString('base64')}`;
		const both = `${new Webhook(secret).sign('msg_rot', date, body)} ${new Webhook(newSecret).sign('msg_rot', date, body)}`;
		const headers = svixHeaders('msg_rot', NOW, both);
		expect(verify({ headers, body, key: keyOf(secret) }).ok).toBe(true);
		expect(verify({ headers, body, key: keyOf(newSecret) }).ok).toBe(true);
		const third = `whsec_${randomBytes(32).toString('base64')}`;
		expect(verify({ headers, body, key: keyOf(third) })).toMatchObject({ ok: false, reason: 'no_matching_signature' });
	});

	it('skips unknown signature versions and still finds the v1 entry', () => {
		const signature = new Webhook(secret).sign('msg_v', date, body);
		const headers = svixHeaders('msg_v', NOW, `v2,abc v1a,${'A'.repeat(86)}== ${signature}`);
		expect(verify({ headers, body, key: keyOf(secret) }).ok).toBe(true);
	});

	describe('v1a (Ed25519) with a real key pair', () => {
		const { publicKey, privateKey } = generateKeyPairSync('ed25519');
		const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
		const whpk = `whpk_${raw.toString('base64')}`;
		const sign = (id: string, ts: number, content: string) =>
			`v1a,${ed25519Sign(null, Buffer.from(`${id}.${ts}.${content}`), privateKey).toString('base64')}`;

		it('verifies a v1a signature with the whpk_ public key', () => {
			const headers = svixHeaders('msg_ed', NOW, sign('msg_ed', NOW, body));
			expect(verify({ headers, body, key: keyOf(whpk) })).toEqual({ ok: true, id: 'msg_ed', timestamp: NOW, version: 'v1a' });
		});

		it('rejects a tampered body, a key pair that is not the signer, and non-canonical base64', () => {
			const headers = svixHeaders('msg_ed', NOW, sign('msg_ed', NOW, body));
			expect(verify({ headers, body: `${body} `, key: keyOf(whpk) })).toMatchObject({ reason: 'no_matching_signature' });
			const other = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x as string;
			const otherKey = keyOf(`whpk_${Buffer.from(other, 'base64url').toString('base64')}`);
			expect(verify({ headers, body, key: otherKey })).toMatchObject({ reason: 'no_matching_signature' });
			const encoded = headers['svix-signature'].slice(4);
			const lastChar = encoded.length - 3; // the character before "==" carries 4 unused bits
			const variant = changeChar(encoded, lastChar, BASE64_ALPHABET.slice(0, 16).includes(encoded[lastChar]) ? BASE64_ALPHABET.slice(0, 16) : BASE64_ALPHABET, 1);
			expect(verify({ headers: { ...headers, 'svix-signature': `v1a,${variant}` }, body, key: keyOf(whpk) }).ok).toBe(false);
		});

		it('explains a key-kind mismatch in both directions', () => {
			const asymmetric = svixHeaders('msg_ed', NOW, sign('msg_ed', NOW, body));
			const withSecret = verify({ headers: asymmetric, body, key: keyOf(secret) });
			expect(withSecret).toMatchObject({ ok: false, reason: 'no_supported_signature' });
			expect(withSecret.ok === false && verifyFailureMessage(withSecret)).toMatch(/whpk_/);

			const symmetric = svixHeaders('msg_ed', NOW, new Webhook(secret).sign('msg_ed', date, body));
			const withPublicKey = verify({ headers: symmetric, body, key: keyOf(whpk) });
			expect(withPublicKey).toMatchObject({ ok: false, reason: 'no_supported_signature' });
			expect(withPublicKey.ok === false && verifyFailureMessage(withPublicKey)).toMatch(/whsec_/);
		});
	});
});

describe('timestamp tolerance edges', () => {
	const secret = randomSecret();
	const body = '{}';
	const at = (timestamp: number, toleranceSeconds?: number) =>
		verify({
			headers: svixHeaders('msg_t', timestamp, new Webhook(secret).sign('msg_t', new Date(timestamp * 1000), body)),
			body,
			key: keyOf(secret),
			toleranceSeconds,
		});

	it.each([
		[NOW - 300, undefined, true, undefined],
		[NOW - 301, undefined, false, 'timestamp_too_old'],
		[NOW + 300, undefined, true, undefined],
		[NOW + 301, undefined, false, 'timestamp_too_new'],
		[NOW - 10, 10, true, undefined],
		[NOW - 11, 10, false, 'timestamp_too_old'],
		[NOW + 11, 10, false, 'timestamp_too_new'],
		[NOW - 3600, 3600, true, undefined],
	])('timestamp %i with tolerance %s → ok=%s', (timestamp, tolerance, ok, reason) => {
		const result = at(timestamp, tolerance);
		expect(result.ok).toBe(ok);
		if (reason) expect(result).toMatchObject({ reason });
	});

	it.each([[NaN], ['abc'], [-1], [{}]])('fails closed for a tolerance that is not a number ≥ 0 (%p): nothing is accepted', (tolerance) => {
		expect(at(NOW, tolerance as number).ok).toBe(false);
		expect(at(NOW - 2 * 86_400, tolerance as number).ok).toBe(false);
	});

	it('says how far off the clock is, and where to look', () => {
		const result = at(NOW - 400);
		expect(result.ok === false && verifyFailureMessage(result)).toMatch(/100 s older|400 s older/);
		expect(result.ok === false && verifyFailureMessage(result)).toMatch(/NTP/);
	});
});

describe('every rejection reason', () => {
	const secret = randomSecret();
	const key = keyOf(secret);
	const body = '{"type":"job_run.failed"}';
	const good = svixHeaders('msg_r', NOW, new Webhook(secret).sign('msg_r', new Date(NOW * 1000), body));
	const without = (name: string) => Object.fromEntries(Object.entries(good).filter(([n]) => n !== name));

	it.each([
		['no headers at all', {}, 'missing_headers', /svix-id, svix-timestamp, svix-signature headers/],
		['no svix-id', without('svix-id'), 'missing_headers', /Missing svix-id header\./],
		['no svix-timestamp', without('svix-timestamp'), 'missing_headers', /Missing svix-timestamp header\./],
		['no svix-signature', without('svix-signature'), 'missing_headers', /Missing svix-signature header\./],
		['empty svix-signature', { ...good, 'svix-signature': '' }, 'missing_headers', /svix-signature/],
		['svix-id sent twice', { ...good, 'svix-id': ['msg_a', 'msg_b'] }, 'invalid_header', /each appear once/],
		['a huge svix-id', { ...good, 'svix-id': 'm'.repeat(257) }, 'invalid_header', /longer than 256/],
		['a non-numeric timestamp', { ...good, 'svix-timestamp': '17e8' }, 'invalid_timestamp', /whole number/],
		['a timestamp with a leading zero', { ...good, 'svix-timestamp': `0${NOW}` }, 'invalid_timestamp', /whole number/],
		['a negative timestamp', { ...good, 'svix-timestamp': '-1' }, 'invalid_timestamp', /whole number/],
		['a timestamp in milliseconds', { ...good, 'svix-timestamp': `${NOW}000` }, 'invalid_timestamp', /seconds/],
		['too many signatures', { ...good, 'svix-signature': Array(17).fill(good['svix-signature']).join(' ') }, 'invalid_header', /at most 16/],
		['no v1 entry', { ...good, 'svix-signature': 'v2,abc' }, 'no_supported_signature', /"v2"/],
		['a bare signature without version', { ...good, 'svix-signature': good['svix-signature'].slice(3) }, 'no_supported_signature', /v1,<base64>/],
		['a wrong signature', { ...good, 'svix-signature': `v1,${Buffer.alloc(32).toString('base64')}` }, 'no_matching_signature', /signing secret of this very endpoint/],
		['the signature with padding removed', { ...good, 'svix-signature': good['svix-signature'].replace(/=$/, '') }, 'no_matching_signature', /None of the 1 v1 signature/],
	])('%s', (_name, headers, reason, message) => {
		const result = verify({ headers, body, key });
		expect(result).toMatchObject({ ok: false, reason });
		expect(result.ok === false && verifyFailureMessage(result)).toMatch(message);
		expect(JSON.stringify(result)).not.toContain(secret.slice(6));
	});

	it("rejects a signature that differs only in base64's unused trailing bits", () => {
		// 32 bytes need 42⅔ base64 characters: the 43rd carries 2 bits no decoder reads.
		const encoded = good['svix-signature'].slice(3);
		const last = BASE64_ALPHABET.indexOf(encoded[42]);
		const variant = `${encoded.slice(0, 42)}${BASE64_ALPHABET[last ^ 1]}=`;
		expect(Buffer.from(variant, 'base64')).toEqual(Buffer.from(encoded, 'base64'));
		expect(verify({ headers: { ...good, 'svix-signature': `v1,${variant}` }, body, key })).toMatchObject({
			reason: 'no_matching_signature',
		});
	});

	it('rejects a signature with a non-ASCII look-alike character', () => {
		const encoded = good['svix-signature'].slice(3);
		const lookAlike = String.fromCharCode(encoded.charCodeAt(0) + 0x100) + encoded.slice(1);
		expect(verify({ headers: { ...good, 'svix-signature': `v1,${lookAlike}` }, body, key })).toMatchObject({
			reason: 'no_matching_signature',
		});
	});

	it('names the webhook-* headers when those are the ones sent', () => {
		const result = verify({ headers: { 'webhook-id': 'msg_x' }, body, key });
		expect(result.ok === false && verifyFailureMessage(result)).toMatch(/Missing webhook-timestamp, webhook-signature headers/);
	});

	it('never puts the expected signature in a message', () => {
		const expected = good['svix-signature'].slice(3);
		const result = verify({ headers: { ...good, 'svix-signature': 'v1,AAAA' }, body, key });
		expect(JSON.stringify([result, result.ok === false && verifyFailureMessage(result)])).not.toContain(expected);
	});
});

describe('parseSigningSecret', () => {
	it.each([
		[randomSecret(), 'hmac'],
		[randomSecret().slice('whsec_'.length), 'hmac'],
		[`  ${randomSecret()}\n`, 'hmac'],
		[`whsec_${randomBytes(64).toString('base64')}`, 'hmac'],
		[`whsec_${randomBytes(24).toString('base64').replace(/=+$/, '')}`, 'hmac'],
		[`whpk_${randomBytes(32).toString('base64')}`, 'ed25519'],
	])('accepts %s', (secret, kind) => {
		const parsed = parseSigningSecret(secret);
		expect(parsed.ok && parsed.key.kind).toBe(kind);
	});

	it.each([
		['', /empty/],
		['   ', /empty/],
		[`whsk_${randomBytes(32).toString('base64')}`, /private signing key/],
		[`sk_live_${randomBytes(24).toString('base64')}`, /not "sk_"/],
		[randomSecret().replace(/^(.{12})/, '$1 '), /not valid base64/],
		[randomSecret(24).slice(0, 'whsec_'.length + 29), /not valid base64/],
		[randomSecret().replace(/^(.{12})/, '$1-'), /not valid base64/],
		[`whsec_${randomBytes(8).toString('base64')}`, /decodes to 8 bytes/],
		[`whsec_${randomBytes(200).toString('base64')}`, /decodes to 200 bytes/],
		[`whpk_${randomBytes(31).toString('base64')}`, /holds 32 bytes; this one holds 31/],
	])('rejects %j', (secret, message) => {
		const parsed = parseSigningSecret(secret);
		expect(parsed.ok).toBe(false);
		if (!parsed.ok) {
			expect(parsed.message).toMatch(message);
			const encoded = secret.trim().replace(/^[a-z]+_/, '');
			if (encoded.length > 4) expect(parsed.message).not.toContain(encoded);
		}
	});
});
