// The load generator for real HTTP against n8n: requests at a fixed concurrency over
// keep-alive connections, each answer's status, body and latency recorded. Used by the
// benchmarks, the reliability suite and the queue-mode suite.
import { createRequire } from 'node:module';

import { deliveryHeaders } from './signedEvents.mjs';
import { keepAliveAgents, request } from './request.mjs';

const { ANON_RETRIES, SVIX_RETRY_DELAYS_MS, SVIX_TIMEOUT_MS, deliverOnSchedule, retryDelays } = createRequire(import.meta.url)('./svixSchedule.cjs');
export { ANON_RETRIES, SVIX_RETRY_DELAYS_MS, SVIX_TIMEOUT_MS };

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
 * Delivers every event as Anon (Svix) does: each message on its own schedule, signed afresh for
 * each attempt (a second later than the one before at least), the attempt given up after `timeoutMs` (null: every answer is awaited), and any
 * non-2xx answer, connection error or give-up retried with the same svix-id, at most `retries`
 * times (Anon's budget by default), after Svix's delays scaled like the timeout (a 2 s timeout:
 * 0.67 s, then 40 s). At most `concurrency` attempts are in flight; the others queue in order.
 * Returns per event { eventId, msgId, attempts, statuses, sentAt, delivered } (status 0: no
 * answer; `sentAt`: wall-clock ms of each attempt).
 */
export async function deliverLikeSvix(url, events, { secret, concurrency = 16, retries = ANON_RETRIES, timeoutMs = SVIX_TIMEOUT_MS, delaysMs } = {}) {
	const agents = keepAliveAgents(concurrency);
	const slots = semaphore(concurrency);
	const deliver = async ({ eventId, msgId, body }) => {
		const sentAt = [];
		let signedAt = 0;
		const attempt = () =>
			slots.run(async () => {
				sentAt.push(Date.now());
				// Svix's retries come 5 s apart at least, so each carries a new timestamp (the trigger
				// takes the same id and timestamp for a copy); a scaled-down schedule keeps that.
				signedAt = Math.max(Date.now(), signedAt + 1000);
				const headers = deliveryHeaders({ secret, body, msgId, timestamp: new Date(signedAt) });
				return (await request(url, { body, headers, timeoutMs, agent: agents.for(url) })).status;
			});
		const { statuses, delivered } = await deliverOnSchedule(attempt, { retries, delaysMs: delaysMs ?? retryDelays(timeoutMs) });
		return { eventId, msgId, attempts: statuses.length, statuses, sentAt, delivered };
	};
	try {
		return await Promise.all(events.map(deliver));
	} finally {
		agents.destroy();
	}
}

/** At most `limit` calls of run() at once; the others wait in order. */
function semaphore(limit) {
	let active = 0;
	const waiting = [];
	return {
		async run(task) {
			if (active >= limit) await new Promise((resolve) => waiting.push(resolve));
			else active++;
			try {
				return await task();
			} finally {
				const next = waiting.shift();
				if (next) next();
				else active--;
			}
		},
	};
}

/**
 * What Anon's budget means for a delivery run, per event: `lost` (no execution that ran, i.e.
 * ended as success or error, started within the budget), `doubled` (ran more than once) and
 * `markedFailed` (no 2xx on any attempt within the budget: Anon marks the message failed,
 * although it may have run). `runs` maps event ids to their executions' { status, startedAt }
 * (executedEventIds). `attempts` defaults to Anon's budget, the first delivery and two retries;
 * a smaller budget is read from the same run (2: the stricter reading of Anon's words), since
 * a sender's first attempts are the same whatever its budget: an execution counts only if it
 * started before the first attempt past the budget was sent.
 */
export function budgetReport(outcomes, runs, attempts = 1 + ANON_RETRIES) {
	const report = { attempts, lost: 0, doubled: 0, markedFailed: 0 };
	for (const outcome of outcomes) {
		const cutoff = outcome.sentAt[attempts] ?? Infinity;
		const ran = (runs.get(outcome.eventId) ?? []).filter(
			(run) => (run.status === 'success' || run.status === 'error') && Date.parse(run.startedAt) < cutoff,
		).length;
		if (ran === 0) report.lost++;
		if (ran > 1) report.doubled++;
		if (!outcome.statuses.slice(0, attempts).some((status) => status >= 200 && status < 300)) report.markedFailed++;
	}
	return report;
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
