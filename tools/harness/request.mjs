// One HTTP request as the harness's senders make it, over http: or https:. The https:
// endpoints here are the harness's own nginx on 127.0.0.1 (nginx.mjs) with a throwaway
// self-signed certificate, so any certificate is accepted; nothing here talks to the network.
// Used by one delivery (signedEvents.mjs), the load generator (load.mjs) and the slow senders
// (slowSenders.mjs).
import http from 'node:http';
import https from 'node:https';

/**
 * One request (POST unless `method` says otherwise); resolves to
 * { status, ms, body, headers }, or { status: 0, ms, error } on a connection error or once
 * `timeoutMs` passed without an answer (null or 0: no limit). `agent` as for http.request
 * (keepAliveAgents().for(url) to reuse connections, false for a fresh one).
 */
export function request(url, { method = 'POST', headers = {}, body = '', timeoutMs = 30_000, agent } = {}) {
	const target = new URL(url);
	const client = target.protocol === 'https:' ? https : http;
	const started = performance.now();
	return new Promise((resolve) => {
		const outgoing = client.request(
			target,
			{
				method,
				agent,
				rejectUnauthorized: false,
				headers: { ...(method === 'GET' ? {} : { 'content-length': Buffer.byteLength(body) }), ...headers },
				...(timeoutMs ? { timeout: timeoutMs } : {}),
			},
			(response) => {
				const chunks = [];
				response.on('data', (chunk) => chunks.push(chunk));
				response.on('end', () =>
					resolve({
						status: response.statusCode,
						ms: performance.now() - started,
						body: Buffer.concat(chunks).toString('utf8'),
						headers: response.headers,
					}),
				);
			},
		);
		outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
		outgoing.on('error', (error) => resolve({ status: 0, ms: performance.now() - started, body: '', error: error.code ?? error.message }));
		outgoing.end(body);
	});
}

/**
 * Keep-alive agents for http: and https: with at most `maxSockets` connections each:
 * `for(url)` is the one for that URL's protocol; `destroy()` closes both.
 */
export function keepAliveAgents(maxSockets) {
	const agents = {
		'http:': new http.Agent({ keepAlive: true, maxSockets }),
		'https:': new https.Agent({ keepAlive: true, maxSockets, rejectUnauthorized: false }),
	};
	return {
		for: (url) => agents[new URL(url).protocol],
		destroy: () => Object.values(agents).forEach((agent) => agent.destroy()),
	};
}
