// Section 1 of BENCHMARKS.md: signature verification throughput, side by side, in one process.
// Our verifier (from dist/, as n8n runs it) vs the official `svix` and `standardwebhooks`
// libraries vs the floor: one bare node:crypto HMAC-SHA256 over the same bytes.
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Webhook: SvixWebhook } = require('svix');
const { Webhook: StandardWebhook } = require('standardwebhooks');

export const SIZES = [
	{ label: '1 KiB', bytes: 1024 },
	{ label: '64 KiB', bytes: 64 * 1024 },
	{ label: '1 MiB', bytes: 1024 * 1024 },
];

/** A JSON body of exactly `bytes` bytes (svix and standardwebhooks parse the body as JSON). */
function jsonBody(bytes) {
	const skeleton = JSON.stringify({ type: 'workflow_run.failed', pad: '' });
	return JSON.stringify({ type: 'workflow_run.failed', pad: 'x'.repeat(bytes - skeleton.length) });
}

function implementations(bytes) {
	// From dist/, which the bench builds first (so a fresh clone can run it before any build).
	const { parseSigningSecret } = require('../../dist/nodes/Anon/trigger/signingSecret.js');
	const { verifyWebhookSignature } = require('../../dist/nodes/Anon/trigger/verifySignature.js');
	const secretBytes = randomBytes(24);
	const secret = `whsec_${secretBytes.toString('base64')}`;
	const text = jsonBody(bytes);
	const body = Buffer.from(text);
	const id = 'msg_2Yx4bench0000000000000000';
	const date = new Date();
	const timestamp = String(Math.floor(date.getTime() / 1000));
	const signature = new SvixWebhook(secret).sign(id, date, text);
	const svixHeaders = { 'svix-id': id, 'svix-timestamp': timestamp, 'svix-signature': signature };
	const standardHeaders = { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature };
	const parsed = parseSigningSecret(secret);
	const svix = new SvixWebhook(secret);
	const standard = new StandardWebhook(secret);
	const prefix = `${id}.${timestamp}.`;
	const hmacKey = createSecretKey(secretBytes); // the fastest way to key node:crypto's HMAC
	return {
		// The floor: what any verifier must at least do, one HMAC over the signed bytes.
		'node:crypto HMAC (floor)': () => createHmac('sha256', hmacKey).update(prefix).update(body).digest(),
		'n8n-nodes-anon verifyWebhookSignature': () => {
			if (!verifyWebhookSignature({ headers: svixHeaders, body, key: parsed.key }).ok) throw new Error('ours rejected a valid request');
		},
		'svix Webhook.verify': () => svix.verify(text, svixHeaders),
		'standardwebhooks Webhook.verify': () => standard.verify(text, standardHeaders),
	};
}

/** Operations per second of `fn`, run for about `ms` milliseconds. */
function opsPerSecond(fn, ms) {
	let iterations = 0;
	const deadline = process.hrtime.bigint() + BigInt(ms) * 1_000_000n;
	const start = process.hrtime.bigint();
	let now = start;
	while (now < deadline) {
		for (let i = 0; i < 16; i++) fn();
		iterations += 16;
		now = process.hrtime.bigint();
	}
	return iterations / (Number(now - start) / 1e9);
}

const median = (values) => {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = sorted.length >> 1;
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Runs `rounds` rounds; each round measures every implementation once, in a rotating order,
 * so drift (thermal, other load) spreads evenly. Returns rows per size.
 */
export function benchVerification({ rounds = 9, msPerRun = 250, log = () => {} } = {}) {
	const results = [];
	for (const { label, bytes } of SIZES) {
		const impls = Object.entries(implementations(bytes));
		for (const [, fn] of impls) for (let i = 0; i < 50; i++) fn(); // warm-up, JIT
		const samples = Object.fromEntries(impls.map(([name]) => [name, []]));
		for (let round = 0; round < rounds; round++) {
			for (let k = 0; k < impls.length; k++) {
				const [name, fn] = impls[(round + k) % impls.length];
				samples[name].push(opsPerSecond(fn, msPerRun));
			}
		}
		const floor = median(samples['node:crypto HMAC (floor)']);
		for (const [name] of impls) {
			const values = samples[name];
			results.push({
				size: label,
				name,
				median: median(values),
				min: Math.min(...values),
				max: Math.max(...values),
				slowdown: floor / median(values),
			});
		}
		log(`  verification ${label}: done`);
	}
	return results;
}

/** Body sizes for the forged-request costs: up to n8n's default body limit (16 MiB). */
export const FORGED_SIZES = [
	{ label: '1 KiB', bytes: 1024 },
	{ label: '1 MiB', bytes: 1024 * 1024 },
	{ label: '16 MiB', bytes: 16 * 1024 * 1024 },
];

/**
 * What a forged request costs our verifier, by key kind and body size: an unsigned caller sends
 * as many signature entries as it likes. With a `whsec_` secret, 16 `v1` entries (the most
 * read) cost one HMAC; with a `whpk_` public key, each `v1a` entry is an Ed25519 verification
 * over the whole body, so at most 2 are verified (a key rotation) and more are refused unread.
 * Microseconds per rejected request, median of `rounds`.
 */
export function benchForgedCost({ rounds = 5, msPerRun = 250 } = {}) {
	const { generateKeyPairSync, sign } = require('node:crypto');
	const { parseSigningSecret } = require('../../dist/nodes/Anon/trigger/signingSecret.js');
	const { verifyWebhookSignature } = require('../../dist/nodes/Anon/trigger/verifySignature.js');
	const hmac = parseSigningSecret(`whsec_${randomBytes(24).toString('base64')}`).key;
	const { publicKey, privateKey } = generateKeyPairSync('ed25519');
	const ed25519 = parseSigningSecret(`whpk_${Buffer.from(publicKey.export({ format: 'jwk' }).x, 'base64url').toString('base64')}`).key;
	const forgedV1 = `v1,${randomBytes(32).toString('base64')}`;
	const forgedV1a = `v1a,${sign(null, Buffer.from('other content'), privateKey).toString('base64')}`;
	const rows = [];
	for (const { label, bytes } of FORGED_SIZES) {
		const body = Buffer.from(jsonBody(bytes));
		const headers = (entry, count) => ({
			'svix-id': 'msg_2Yx4forged000000000000000',
			'svix-timestamp': String(Math.floor(Date.now() / 1000)),
			'svix-signature': Array.from({ length: count }, () => entry).join(' '),
		});
		const cases = {
			'whsec_, 16 v1 entries': () => verifyWebhookSignature({ headers: headers(forgedV1, 16), body, key: hmac }),
			'whpk_, 2 v1a entries (the most verified)': () => verifyWebhookSignature({ headers: headers(forgedV1a, 2), body, key: ed25519 }),
			'whpk_, 16 v1a entries (refused unread)': () => verifyWebhookSignature({ headers: headers(forgedV1a, 16), body, key: ed25519 }),
		};
		const ms = bytes > 1024 * 1024 ? msPerRun * 4 : msPerRun;
		for (const [name, fn] of Object.entries(cases)) {
			if (fn().ok) throw new Error(`${name}: a forged request verified`);
			const samples = Array.from({ length: rounds }, () => 1e6 / opsPerSecond(fn, ms));
			rows.push({ size: label, name, microseconds: median(samples) });
		}
	}
	return rows;
}
