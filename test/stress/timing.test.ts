/**
 * Rejection time must not depend on how many leading characters of a forged signature are
 * right (otherwise the expected signature could be learnt one character at a time).
 *
 * Measured, not assumed: forged signatures that are right in their first 0, 22 or 43 of 44
 * characters are verified in interleaved rounds (drift hits all alike); the per-call medians
 * must agree within a statistical bound: 3% of the median plus 25 ns. For scale, an early-exit
 * comparison that did 1 ns of work per matching character would move the k=43 median by 43 ns.
 */
import { createHmac, randomBytes } from 'node:crypto';

import { parseSigningSecret } from '../../nodes/Anon/trigger/signingSecret';
import { verifyWebhookSignature } from '../../nodes/Anon/trigger/verifySignature';

const KEY_BYTES = randomBytes(24);
const parsed = parseSigningSecret(`whsec_${KEY_BYTES.toString('base64')}`);
const key = parsed.ok ? parsed.key : undefined;
const body = Buffer.alloc(1024, 'a');
const id = 'msg_timing';
const timestamp = 1_700_000_000;
const expected = createHmac('sha256', KEY_BYTES).update(`${id}.${timestamp}.`).update(body).digest('base64');

/** A signature whose first `right` characters are the expected ones and the next is not. */
function forged(right: number): Record<string, string> {
	const wrong = expected[right] === 'A' ? 'B' : 'A';
	return { 'svix-id': id, 'svix-timestamp': String(timestamp), 'svix-signature': `v1,${expected.slice(0, right)}${wrong}${expected.slice(right + 1)}` };
}

const median = (values: number[]) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[sorted.length >> 1];
};

it('rejection time does not depend on how much of a forged signature is right', () => {
	if (!key) throw new Error('test key did not parse');
	const cases = [0, 22, 43].map((right) => ({ right, headers: forged(right), samples: [] as number[] }));
	const callsPerBatch = 400;
	const run = (headers: Record<string, string>) => {
		const start = performance.now();
		for (let i = 0; i < callsPerBatch; i++) {
			if (verifyWebhookSignature({ headers, body, key, nowSeconds: timestamp }).ok) throw new Error('forgery accepted');
		}
		return ((performance.now() - start) * 1e6) / callsPerBatch; // ns per call
	};
	for (const c of cases) run(c.headers); // warm-up
	for (let round = 0; round < 100; round++) {
		for (let k = 0; k < cases.length; k++) {
			const c = cases[(round + k) % cases.length];
			c.samples.push(run(c.headers));
		}
	}
	const medians = cases.map((c) => median(c.samples));
	const spread = Math.max(...medians) - Math.min(...medians);
	const bound = 0.03 * median(medians) + 25;
	// eslint-disable-next-line no-console
	console.log(
		`TIMING: median ns per rejected call by correct leading characters: ${cases.map((c, i) => `${c.right}→${medians[i].toFixed(0)}`).join(', ')}; spread ${spread.toFixed(1)} ns, bound ${bound.toFixed(1)} ns`,
	);
	expect(spread).toBeLessThan(bound);
});
