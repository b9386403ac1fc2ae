// The load generator for real HTTP against n8n: requests at a fixed concurrency over
// keep-alive connections, each answer's status, body and latency recorded. Used by the
// benchmarks, the reliability suite and the queue-mode suite.
import { deliveryHeaders } from './signedEvents.mjs';
import { sleep } from './process.mjs';
import { keepAliveAgents, request } from './request.mjs';

/**
 * Sends `count` requests, at most `concurrency` at a time. `makeRequest(i)` returns
 * { url, headers, body } and is called just before request i is sent (so signatures carry a
 * fresh timestamp). A request not answered within `timeoutMs` counts as status 0, like a
 * refused connection. `onProgress(answeredSoFar)` runs after each answer. Resolves to
 * { results: [{ index, status, ms, body, error }], wallMs }, results in input order.
 */
export async function fire(count, makeRequest, { concurrency = 16, timeoutMs, onProgress } = {}) {
	const agents = keepAliveAgents(concurrency);
	const results = new Array(count);
	let next = 0;
	let answered = 0;
	const started = performance.now();
	const worker = async () => {
		while (next < count) {
			const index = next++;
			const { url, ...options } = makeRequest(index);
			const answer = await request(url, { ...options, timeoutMs: timeoutMs ?? null, agent: agents.for(url) });
			delete answer.headers;
			results[index] = { index, ...answer };
			answered++;
			await onProgress?.(answered);
		}
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
	const wallMs = performance.now() - started;
	agents.destroy();
	return { results, wallMs };
}

/**
 * Delivers `events` (from distinctEvents) to `url` as Svix does: each signed with `secret`
 * just before it is sent, and an attempt given up after `timeoutMs` (Svix's 15 s; null waits
 * for every answer). Resolves like fire(), each result also carrying its eventId and msgId.
 */
export async function sendEvents(events, { url, secret, concurrency = 16, onProgress, timeoutMs = 15_000 }) {
	const run = await fire(
		events.length,
		(i) => {
			const { msgId, body } = events[i];
			return { url, body, headers: deliveryHeaders({ secret, body, msgId }) };
		},
		{ concurrency, timeoutMs, onProgress },
	);
	run.results.forEach((result, i) => Object.assign(result, { eventId: events[i].eventId, msgId: events[i].msgId }));
	return run;
}

/**
 * Delivers every event like Svix: any non-2xx answer, connection error or attempt given up
 * after `timeoutMs` (null: every answer is awaited) is retried with exponential back-off
 * (0.5 s, 1 s, 2 s, … capped at 8 s) with the same svix-id, until a 2xx or `maxAttempts`.
 * Returns per-event { attempts, statuses, delivered } (status 0: no answer).
 */
export async function deliverLikeSvix(url, events, { secret, concurrency, maxAttempts = 12, timeoutMs = null }) {
	const outcomes = events.map(() => ({ attempts: 0, statuses: [], delivered: false }));
	const pending = events.map((_, i) => i);
	let round = 0;
	while (pending.length > 0 && round < maxAttempts) {
		if (round > 0) await sleep(Math.min(8000, 500 * 2 ** (round - 1)));
		const batch = pending.splice(0);
		const { results } = await sendEvents(batch.map((i) => events[i]), { url, secret, concurrency, timeoutMs });
		results.forEach((result, k) => {
			const outcome = outcomes[batch[k]];
			outcome.attempts++;
			outcome.statuses.push(result.status);
			if (result.status >= 200 && result.status < 300) outcome.delivered = true;
			else pending.push(batch[k]);
		});
		round++;
	}
	return outcomes;
}

/** The p-th percentile (0–100) of `values`, nearest-rank. */
export function percentile(values, p) {
	if (values.length === 0) return NaN;
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Counts answers by status code: { 200: 1990, 409: 10 }. */
export function statusCounts(results) {
	const counts = {};
	for (const { status } of results) counts[status] = (counts[status] ?? 0) + 1;
	return counts;
}

/** Two statusCounts() added together. */
export function mergeCounts(a, b) {
	const merged = { ...a };
	for (const [status, n] of Object.entries(b)) merged[status] = (merged[status] ?? 0) + n;
	return merged;
}
