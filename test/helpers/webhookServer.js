// A real node:http server that drives AnonTrigger.webhook() as n8n's webhook server does: the
// body read first (rawBody), the node run with the real request and response, then n8n's own
// answer, written with express's status().json(). Hooks hold a request where a busy n8n holds
// it: before the node runs (waiting for an expression isolate or the database) and between the
// node's hand-over and n8n's answer (creating the execution or, when the workflow must finish
// first, running it). Types for the TypeScript tests: webhookServer.d.ts.
const http = require('node:http');
const net = require('node:net');

const { runWebhook, webhookContext } = require('./webhook');

/** Resolves once the sender has gone: the socket is closed (at once if it already is). */
function senderGone({ response }) {
	if (response.destroyed) return Promise.resolve();
	return new Promise((resolve) => response.once('close', () => resolve()));
}

async function startWebhookServer(options = {}) {
	const executions = [];
	const waiters = [];
	let open = 0;

	async function handle(request, response) {
		const chunks = [];
		for await (const chunk of request) chunks.push(chunk);
		const rawBody = Buffer.concat(chunks);
		// What express adds to every response.
		const res = Object.assign(response, {
			status(code) {
				response.statusCode = code;
				return res;
			},
			json(body) {
				response.setHeader('content-type', 'application/json');
				response.end(JSON.stringify(body));
				return res;
			},
		});
		await options.beforeNode?.({ request, response });
		// The request itself, as n8n hands it to the node (headers, headersDistinct, rawHeaders), with the body n8n read.
		const result = await runWebhook(webhookContext(Object.assign(request, { rawBody, body: {} }), res, options, options.logs));
		if (result.noWebhookResponse) return;
		if (result.workflowData) {
			executions.push(result.workflowData[0].map((item) => item.json));
			await options.beforeAnswer?.({ request, response });
			const status = options.answerStatus?.({ request, response }) ?? 200;
			res.status(status).json(status < 300 ? result.webhookResponse : { message: 'Error in workflow' });
			return;
		}
		res.status(200).json(result.webhookResponse ?? { message: 'Webhook call received' });
	}

	const server = http.createServer(async (request, response) => {
		open += 1;
		try {
			await handle(request, response);
		} finally {
			open -= 1;
			if (open === 0) for (const resolve of waiters.splice(0)) resolve();
		}
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${server.address().port}/webhook/anon`,
		executions,
		idle: () => (open === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))),
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			}),
	};
}

/**
 * One delivery attempt as Svix makes it: POST, and give up (close the connection) when no
 * answer came within `timeoutMs` (Svix: 15 s).
 */
function attempt(url, headers, body, timeoutMs = 15_000) {
	return new Promise((resolve, reject) => {
		const request = http.request(url, { method: 'POST', headers, agent: false }, (response) => {
			const chunks = [];
			response.on('data', (chunk) => chunks.push(chunk));
			response.on('end', () => {
				clearTimeout(timer);
				const text = Buffer.concat(chunks).toString('utf8');
				resolve({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
			});
		});
		const timer = setTimeout(() => {
			request.destroy();
			resolve({ status: 'gave_up' });
		}, timeoutMs);
		// After giving up, the promise is settled and the "socket hang up" error changes nothing.
		request.on('error', (error) => {
			clearTimeout(timer);
			reject(error);
		});
		request.end(body);
	});
}

/**
 * Sends a request as raw bytes over a socket, so that a header can appear twice (`headerLines`:
 * "name: value" each, in order), and resolves to { status, body } (body parsed as JSON).
 */
function rawRequest(url, headerLines, payload) {
	const { hostname, port, pathname } = new URL(url);
	return new Promise((resolve, reject) => {
		const socket = net.connect(Number(port), hostname, () => {
			const head = [`POST ${pathname} HTTP/1.1`, `Host: ${hostname}`, 'Connection: close', `Content-Length: ${Buffer.byteLength(payload)}`, ...headerLines];
			socket.end(`${head.join('\r\n')}\r\n\r\n${payload}`);
		});
		let text = '';
		socket.on('data', (chunk) => (text += chunk.toString('utf8')));
		socket.on('end', () => {
			const answer = text.slice(text.indexOf('\r\n\r\n') + 4);
			resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]), body: answer ? JSON.parse(answer) : {} });
		});
		socket.on('error', reject);
	});
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(check, timeoutMs = 5_000) {
	const deadline = Date.now() + timeoutMs;
	while (!check()) {
		if (Date.now() > deadline) throw new Error('condition not met in time');
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
}

module.exports = { attempt, pause, rawRequest, senderGone, startWebhookServer, waitUntil };
