// A load generator for real HTTP against n8n: fires requests at a fixed concurrency over
// keep-alive connections and records each answer's status and latency. Shared by the
// benchmarks and the reliability suite.
import http from 'node:http';

/**
 * Sends `count` requests, at most `concurrency` at a time. `makeRequest(i)` returns
 * { url, headers, body } and is called just before request i is sent (so signatures carry a
 * fresh timestamp). Resolves to { results: [{ index, status, ms, body, error }], wallMs }.
 */
export async function fire(count, makeRequest, { concurrency = 16 } = {}) {
	const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
	const results = new Array(count);
	let next = 0;
	const started = performance.now();
	const worker = async () => {
		while (next < count) {
			const index = next++;
			results[index] = { index, ...(await send(makeRequest(index), agent)) };
		}
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
	const wallMs = performance.now() - started;
	agent.destroy();
	return { results, wallMs };
}

function send({ url, headers = {}, body = '', method = 'POST' }, agent) {
	const started = performance.now();
	return new Promise((resolve) => {
		const request = http.request(url, { method, agent, headers: { 'content-length': Buffer.byteLength(body), ...headers } }, (response) => {
			const chunks = [];
			response.on('data', (chunk) => chunks.push(chunk));
			response.on('end', () =>
				resolve({ status: response.statusCode, ms: performance.now() - started, body: Buffer.concat(chunks).toString('utf8') }),
			);
		});
		request.on('error', (error) => resolve({ status: 0, ms: performance.now() - started, error: error.message }));
		request.end(body);
	});
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
