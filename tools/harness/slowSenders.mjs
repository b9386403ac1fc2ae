// Slow-body attacks and what they cost: trickling connections (a header promising a large body,
// then one byte per second), valid events sent alongside them with their latency, and a
// process's resident memory sampled from /proc. Shared by the reliability suite
// (test/reliability/slowBody.suite.mjs) and the reverse-proxy e2e (test/e2e/reverseProxy.suite.mjs).
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

import { percentile } from './load.mjs';
import { request } from './request.mjs';

/** Resident memory of a process in MiB (VmRSS in /proc/<pid>/status), or NaN once it is gone. */
export function rssMiB(pid) {
	try {
		const kib = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
		return kib ? Number(kib) / 1024 : NaN;
	} catch {
		return NaN;
	}
}

/** Samples `rssMiB(pid)` every `intervalMs`; stop() ends it and returns { samples, peak, last }. */
export function sampleRss(pid, intervalMs = 1000) {
	const samples = [rssMiB(pid)];
	const timer = setInterval(() => samples.push(rssMiB(pid)), intervalMs);
	return {
		samples,
		stop() {
			clearInterval(timer);
			samples.push(rssMiB(pid));
			return { samples, peak: Math.max(...samples), last: samples.at(-1) };
		},
	};
}

/** Headers that look like a Svix delivery to anyone who has not got the secret. */
export function plausibleSvixHeaders() {
	return {
		'svix-id': `msg_${randomUUID().replaceAll('-', '')}`,
		'svix-timestamp': String(Math.floor(Date.now() / 1000)),
		'svix-signature': `v1,${randomBytes(32).toString('base64')}`,
		'user-agent': 'Svix-Webhooks/1.66.0 (sender-9YMgn; +https://www.svix.com/http-sender/)',
	};
}

/**
 * Opens `count` connections to `url` (http: or https:, any certificate accepted), each sending
 * a POST with plausible svix-* headers, `content-type`, `Content-Length: contentLength`, then
 * one body byte per second (`{`, then spaces: valid JSON so far, never finished). Resolves once
 * every connection is established or failed. `stats()` says how many requests are still open
 * (neither answered nor closed by the server), how many connections are (answered or not),
 * the answers by status and when the server closed them; `stop()` closes them all.
 */
export async function startSlowBodies(url, { count = 150, contentType, contentLength = 1_000_000, intervalMs = 1000 } = {}) {
	const target = new URL(url);
	const secure = target.protocol === 'https:';
	const port = Number(target.port) || (secure ? 443 : 80);
	const started = Date.now();
	const connections = [];
	const open = (index) =>
		new Promise((resolve) => {
			const connection = { index, connected: false, closedAtMs: null, status: null, error: null, sent: 0 };
			connections.push(connection);
			const onConnect = () => {
				connection.connected = true;
				const head = [
					`POST ${target.pathname}${target.search} HTTP/1.1`,
					`Host: ${target.host}`,
					...(contentType ? [`Content-Type: ${contentType}`] : []),
					`Content-Length: ${contentLength}`,
					...Object.entries(plausibleSvixHeaders()).map(([name, value]) => `${name}: ${value}`),
					'',
					'',
				].join('\r\n');
				socket.write(head);
				resolve();
			};
			const socket = secure
				? tls.connect({ host: target.hostname, port, rejectUnauthorized: false }, onConnect)
				: net.connect({ host: target.hostname, port }, onConnect);
			connection.socket = socket;
			let answer = '';
			socket.on('data', (chunk) => {
				if (connection.status !== null) return;
				answer += chunk.toString('latin1');
				const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
				if (status) connection.status = Number(status[1]);
			});
			socket.on('error', (error) => {
				connection.error = error.code ?? error.message;
				resolve();
			});
			socket.on('close', () => {
				connection.closedAtMs ??= Date.now() - started;
				resolve();
			});
		});
	// A handful at a time: 150 simultaneous TLS handshakes would themselves be a burst.
	for (let index = 0; index < count; index += 10) {
		await Promise.all(Array.from({ length: Math.min(10, count - index) }, (_, k) => open(index + k)));
	}
	const drip = setInterval(() => {
		for (const connection of connections) {
			if (connection.closedAtMs !== null || connection.socket.destroyed || connection.sent >= contentLength) continue;
			connection.socket.write(connection.sent === 0 ? '{' : ' ');
			connection.sent++;
		}
	}, intervalMs);
	return {
		stats() {
			const answered = {};
			for (const { status } of connections) if (status !== null) answered[status] = (answered[status] ?? 0) + 1;
			const closedAt = connections.filter((c) => c.closedAtMs !== null).map((c) => c.closedAtMs);
			return {
				count,
				connected: connections.filter((c) => c.connected).length,
				open: connections.filter((c) => c.connected && c.closedAtMs === null && c.status === null).length,
				connectionsOpen: connections.filter((c) => c.connected && c.closedAtMs === null).length,
				answered,
				closed: closedAt.length,
				lastClosedAfterS: closedAt.length ? Math.max(...closedAt) / 1000 : null,
				errors: [...new Set(connections.map((c) => c.error).filter(Boolean))],
			};
		},
		stop() {
			clearInterval(drip);
			for (const connection of connections) connection.socket.destroy();
		},
	};
}

/**
 * Sends `count` requests at a steady `perSecond` pace, whatever the answers' latency (an
 * open-loop sender, like a webhook source: slow answers do not slow the arrivals).
 * `makeRequest(i)` returns { url, headers, body } just before request i goes out (fresh
 * signature timestamps). Resolves to { results, p50, p99 } once every request is answered.
 */
export async function paced(count, makeRequest, { perSecond = 4, timeoutMs = 30_000 } = {}) {
	const pending = [];
	for (let i = 0; i < count; i++) {
		const { url, ...options } = makeRequest(i);
		pending.push(request(url, { ...options, timeoutMs }));
		await new Promise((resolve) => setTimeout(resolve, 1000 / perSecond));
	}
	const results = await Promise.all(pending);
	const ms = results.map((r) => r.ms);
	return { results, p50: percentile(ms, 50), p99: percentile(ms, 99) };
}
