// Anon's delivery budget as Svix spends it, the one schedule every sender that plays Anon keeps:
// the harness's (load.mjs, for the real-n8n suites) and the Jest tests' (test/trigger/anonBudget.test.ts).
// CommonJS, so that both ESM and Jest's TypeScript load it.
'use strict';

/** What Svix waits for an answer before it gives an attempt up (its default; Anon publishes none). */
const SVIX_TIMEOUT_MS = 15_000;
/** Svix's default delays before a message's first two retries (Anon publishes no schedule). */
const SVIX_RETRY_DELAYS_MS = [5_000, 300_000];
/**
 * Anon's documentation: "We retry with exponential back-off (2 attempts)". Read as two retries
 * after the first delivery; the stricter reading (two attempts in all) is budgetReport(…, 2) in load.mjs.
 */
const ANON_RETRIES = 2;

/** Svix's retry delays scaled like its give-up timeout (a 2 s timeout: 0.67 s, then 40 s). */
const retryDelays = (timeoutMs = SVIX_TIMEOUT_MS) => SVIX_RETRY_DELAYS_MS.map((ms) => (ms * (timeoutMs || SVIX_TIMEOUT_MS)) / SVIX_TIMEOUT_MS);

/**
 * One message on Anon's schedule: `attempt(n)` makes attempt n (0: the delivery) and resolves to
 * its HTTP status (anything else: no answer). Any answer but a 2xx is retried after the next delay,
 * at most `retries` times. Resolves to { statuses, delivered }.
 */
async function deliverOnSchedule(attempt, { retries = ANON_RETRIES, delaysMs = retryDelays() } = {}) {
	const statuses = [];
	let delivered = false;
	for (let n = 0; n <= retries && !delivered; n++) {
		if (n > 0) await new Promise((resolve) => setTimeout(resolve, delaysMs[Math.min(n, delaysMs.length) - 1]));
		const status = await attempt(n);
		statuses.push(status);
		delivered = typeof status === 'number' && status >= 200 && status < 300;
	}
	return { statuses, delivered };
}

module.exports = { ANON_RETRIES, SVIX_RETRY_DELAYS_MS, SVIX_TIMEOUT_MS, deliverOnSchedule, retryDelays };
