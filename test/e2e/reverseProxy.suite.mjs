// n8n behind a real reverse proxy: Debian's nginx on 127.0.0.1 with TLS (a
// throwaway self-signed certificate), the headers n8n needs, client_body_timeout and
// client_max_body_size (tools/harness/nginx.mjs holds the configuration the README shows).
// n8n runs with N8N_WEBHOOK_URL at the proxy, N8N_PROXY_HOPS=1 and NODE_ENV=production (as in
// n8n's Docker image, which turns on the editor's WebSocket Origin check).
//
//   node --test test/e2e/reverseProxy.suite.mjs      (about 2 minutes; needs /usr/sbin/nginx and openssl)
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { gzipSync } from 'node:zlib';

import { EVENT_TYPES, exampleBody, expectedItem, newSigningSecret, svixHeaders } from '../../tools/harness/signedEvents.mjs';
import { N8nClient, nodeOutput, startN8n } from '../../tools/harness/n8n.mjs';
import { buildAndPack, installPackage } from '../../tools/harness/package.mjs';
import { freePort, log, sleep, stopAllServers, waitFor } from '../../tools/harness/process.mjs';
import { ensureN8n } from '../../tools/harness/runtime.mjs';
import { TRIGGER_NODE_NAME, noOpWorkflow } from '../../tools/harness/workflows.mjs';
import { ensureNginx, startNginx } from '../../tools/harness/nginx.mjs';
import { request } from '../../tools/harness/request.mjs';
import { paced, rssMiB, sampleRss, startSlowBodies } from '../../tools/harness/slowSenders.mjs';

const SECRET = newSigningSecret();
const BODY_TIMEOUT_S = 10;
const ctx = {};

/** A signed request for `body` to the production URL n8n reported, as Anon sends it. */
const signed = (body, url = ctx.webhookUrl) => ({
	url,
	body,
	headers: { 'content-type': 'application/json', ...svixHeaders({ secret: SECRET, body }) },
});
const send = ({ url, ...options }) => request(url, options);

/**
 * Opens the editor's push WebSocket through the proxy, as the editor does from `origin`, and
 * watches it for 1.5 s: n8n says "Invalid origin!" and closes at once if it rejects it.
 * Returns { frames (as text), closed, upstream: nginx → n8n connections while open }.
 */
async function pushConnection(origin) {
	const socket = await new Promise((resolve, reject) => {
		const outgoing = https.request(`${ctx.proxy.url}/rest/push?pushRef=${randomUUID()}`, {
			rejectUnauthorized: false,
			headers: {
				connection: 'Upgrade',
				upgrade: 'websocket',
				'sec-websocket-version': '13',
				'sec-websocket-key': randomBytes(16).toString('base64'),
				origin,
				cookie: ctx.client.cookie,
			},
		});
		outgoing.on('upgrade', (response, upgraded) => resolve(upgraded));
		outgoing.on('response', (response) => reject(new Error(`no upgrade: ${response.statusCode}`)));
		outgoing.on('error', reject);
		outgoing.end();
	});
	const frames = [];
	socket.on('data', (chunk) => frames.push(chunk));
	await sleep(1500);
	const upstream = await ctx.proxy.upstreamConnections();
	const closed = socket.destroyed || socket.readableEnded;
	socket.destroy();
	return { frames: Buffer.concat(frames).toString('latin1'), closed, upstream };
}

const template = JSON.parse(await exampleBody('workflow_run.failed'));
const freshEvent = () => JSON.stringify({ ...template, id: `evt_proxy${randomUUID().replaceAll('-', '')}` });

describe('n8n behind nginx (TLS, N8N_WEBHOOK_URL at the proxy)', () => {
	before(async () => {
		ensureNginx();
		await ensureN8n();
		ctx.userFolder = await fs.mkdtemp(path.join(os.tmpdir(), 'anon-proxy-'));
		await installPackage(ctx.userFolder, await buildAndPack());
		const n8nPort = await freePort();
		let proxyPort;
		do proxyPort = await freePort();
		while (proxyPort === n8nPort);
		ctx.proxy = await startNginx({ port: proxyPort, upstreamPorts: [n8nPort], bodyTimeout: `${BODY_TIMEOUT_S}s` });
		ctx.n8n = await startN8n({
			userFolder: ctx.userFolder,
			port: n8nPort,
			env: {
				N8N_WEBHOOK_URL: `${ctx.proxy.url}/`,
				N8N_EDITOR_BASE_URL: `${ctx.proxy.url}/`,
				N8N_PROXY_HOPS: '1',
				NODE_ENV: 'production',
			},
		});
		// Set-up talks to n8n directly (Node's fetch would refuse the self-signed certificate);
		// everything under test goes through the proxy.
		ctx.client = new N8nClient(ctx.n8n.baseUrl);
		await ctx.client.setUp();
		const credential = await ctx.client.createCredential({ name: 'Anon behind nginx', signingSecret: SECRET });
		ctx.workflowDefinition = noOpWorkflow({ name: 'Anon behind nginx', credentialId: credential.id, credentialName: credential.name });
		ctx.workflow = await ctx.client.createWorkflow(ctx.workflowDefinition);
	});

	after(async () => {
		await stopAllServers();
		await ctx.proxy?.stop();
		if (ctx.userFolder) await fs.rm(ctx.userFolder, { recursive: true, force: true });
	});

	test('the production URL n8n shows is the proxy\'s (N8N_WEBHOOK_URL)', async () => {
		// The editor builds a trigger's production URL from these two settings.
		const response = await request(`${ctx.proxy.url}/rest/settings`, { method: 'GET', headers: { cookie: ctx.client.cookie } });
		assert.equal(response.status, 200, response.body);
		const { urlBaseWebhook, endpointWebhook } = JSON.parse(response.body).data;
		assert.equal(urlBaseWebhook, `${ctx.proxy.url}/`);
		ctx.webhookUrl = `${urlBaseWebhook}${endpointWebhook}/${ctx.workflowDefinition.nodes[0].webhookId}/anon`;
		log(`production URL shown: ${ctx.webhookUrl}`);
		// Live through the proxy: an unsigned probe gets the node's 401 (and starts nothing).
		await waitFor(async () => (await request(ctx.webhookUrl, { headers: { 'content-type': 'application/json' }, body: '{}' })).status === 401, { what: 'the webhook through the proxy' });
	});

	test('signed events verify through the proxy (body untouched) and execute', async () => {
		for (const type of EVENT_TYPES) {
			const response = await send(signed(await exampleBody(type)));
			assert.equal(response.status, 200, `${type}: ${response.status} ${response.body}`);
			assert.match(response.headers.server ?? '', /nginx/, 'answered through nginx');
		}
		const counts = await ctx.client.settledExecutionCounts([ctx.workflow.id]);
		assert.equal(counts[ctx.workflow.id], EVENT_TYPES.length);
		const outputs = (await ctx.client.executions(ctx.workflow.id)).map((execution) => nodeOutput(execution, TRIGGER_NODE_NAME));
		for (const type of EVENT_TYPES) {
			const expected = [await expectedItem(type)];
			assert.ok(outputs.some((output) => isDeepStrictEqual(output, expected)), `the ${type} item, exactly`);
		}
	});

	test('a body over the webhook limit gets 413 from nginx and never reaches n8n', async () => {
		const before = await ctx.client.settledExecutionCounts([ctx.workflow.id]);
		const oversized = JSON.stringify({ ...template, padding: 'x'.repeat(2 * 2 ** 20) });
		const response = await send(signed(oversized));
		assert.equal(response.status, 413, `${response.status} ${response.body}`);
		assert.match(response.headers.server ?? '', /nginx/);
		assert.deepEqual(await ctx.client.settledExecutionCounts([ctx.workflow.id]), before);
	});

	test("a forged gzip request to the Anon Trigger's path gets 415 from nginx, in milliseconds, and never reaches n8n", async () => {
		const before = await ctx.client.settledExecutionCounts([ctx.workflow.id]);
		// 16 MiB of JSON-ish bytes in about 16 KiB: n8n would inflate it all before any node ran.
		const bomb = gzipSync(Buffer.alloc(16 * 2 ** 20, 0x20));
		const headers = { 'content-type': 'application/json', 'content-encoding': 'gzip', ...svixHeaders({ secret: newSigningSecret(), body: '{}' }) };
		const answers = [];
		for (let i = 0; i < 5; i++) answers.push(await send({ url: ctx.webhookUrl, body: bomb, headers }));
		for (const answer of answers) {
			assert.equal(answer.status, 415, `${answer.status} ${answer.body}`);
			assert.match(answer.headers.server ?? '', /nginx/);
		}
		// nginx's access log: the refused requests were never passed upstream.
		await sleep(200);
		const refused = (await fs.readFile(ctx.proxy.accessLog, 'utf8')).split('\n').filter((line) => /" 415 /.test(line));
		assert.ok(refused.length >= answers.length && refused.every((line) => line.includes('upstream=-')), refused.join('\n'));
		assert.deepEqual(await ctx.client.settledExecutionCounts([ctx.workflow.id]), before);
		const ms = answers.map((answer) => answer.ms).sort((a, b) => a - b);
		log(`forged gzip (${bomb.length} bytes, 16 MiB inflated) to the Anon path: 415 from nginx in ${ms[0].toFixed(1)}–${ms.at(-1).toFixed(1)} ms, none forwarded`);
	});

	test('the editor\'s push WebSocket upgrades through the proxy and passes n8n\'s Origin check', async () => {
		const accepted = await pushConnection(ctx.proxy.url);
		assert.deepEqual({ frames: accepted.frames, closed: accepted.closed }, { frames: '', closed: false });
		assert.equal(accepted.upstream, 1, 'the open WebSocket counted as one connection from nginx to n8n');
		// The check is on (NODE_ENV=production): another origin is turned away.
		const foreign = await pushConnection('https://elsewhere.example');
		assert.match(foreign.frames, /Invalid origin!/);
	});

	test(`150 slow JSON bodies wait at the proxy: n8n holds none of them, valid events still pass; bodies that stall are cut after ${BODY_TIMEOUT_S} s`, async () => {
		const n8nPid = ctx.n8n.pid;
		const rssBefore = rssMiB(n8nPid);
		const nginxBefore = await ctx.proxy.rssMiB();
		const sampler = sampleRss(n8nPid);
		const started = Date.now();
		// The attack from the reliability table: 1 byte per second, every byte restarting nginx's
		// body timeout (it times the gap between two reads), so nginx keeps these open; with
		// request buffering (its default) it passes none on before the body is complete.
		// Bodies of 200,000 bytes, under the Anon path's 256 KiB limit (a larger announced body gets
		// 413 from nginx at once).
		const contentLength = 200_000;
		const trickle = await startSlowBodies(ctx.webhookUrl, { count: 150, contentType: 'application/json', contentLength });
		// Senders that stop after the headers: client_body_timeout closes them (nginx logs 408).
		const stalled = await startSlowBodies(ctx.webhookUrl, { count: 20, contentType: 'application/json', contentLength, intervalMs: 3_600_000 });
		// First the attack alone: what it costs n8n, undisturbed by the valid events' own cost.
		let n8nConnections = 0;
		while (Date.now() - started < 15_000) {
			n8nConnections = Math.max(n8nConnections, await ctx.proxy.upstreamConnections());
			await sleep(500);
		}
		const rssAttackOnly = Math.max(...sampler.samples);
		const nginxDuring = await ctx.proxy.rssMiB();
		// Then valid events alongside it.
		const { results, p50, p99 } = await paced(40, () => signed(freshEvent()), { perSecond: 2, timeoutMs: 15_000 });
		await sleep(Math.max(0, 40_000 - (Date.now() - started)));
		const n8nConnectionsAt40 = await ctx.proxy.upstreamConnections();
		const [trickleAt40, stalledAt40] = [trickle.stats(), stalled.stats()];
		trickle.stop();
		stalled.stop();
		const { peak } = sampler.stop();
		const validOk = results.filter((r) => r.status === 200).length;
		const logged408 = (await fs.readFile(ctx.proxy.accessLog, 'utf8')).split('\n').filter((line) => /" 408 /.test(line)).length;
		log(
			`through nginx, attack alone (15 s): n8n RSS ${rssBefore.toFixed(0)} → ${rssAttackOnly.toFixed(0)} MiB, connections nginx → n8n at most ${n8nConnections}; ` +
				`nginx RSS ${nginxBefore.toFixed(1)} → ${nginxDuring.toFixed(1)} MiB. With valid events: ${validOk}/40 answered 200, p50 ${(p50 / 1000).toFixed(2)} s, p99 ${(p99 / 1000).toFixed(2)} s, n8n RSS peak ${peak.toFixed(0)} MiB. ` +
				`At 40 s: trickling ${trickleAt40.open} of ${trickleAt40.connected} still open at nginx, ${n8nConnectionsAt40} connections nginx → n8n; ` +
				`stalled ${stalledAt40.closed} of ${stalledAt40.connected} closed, the last after ${stalledAt40.lastClosedAfterS} s, ${logged408} logged 408`,
		);
		assert.equal(trickleAt40.connected, 150, 'every trickling connection was established');
		assert.equal(stalledAt40.connected, 20, 'every stalled connection was established');
		// Without the proxy the same attack grows n8n by about 1 GiB: n8n reads each JSON body
		// itself, holding an isolate (test/reliability/slowBody.suite.mjs).
		assert.equal(n8nConnections, 0, 'connections from nginx to n8n during the attack alone');
		assert.ok(rssAttackOnly - rssBefore < 100, `n8n RSS grew by ${(rssAttackOnly - rssBefore).toFixed(0)} MiB under the attack alone`);
		assert.equal(n8nConnectionsAt40, 0, 'connections from nginx to n8n at 40 s, the slow bodies still arriving');
		assert.equal(validOk, 40, 'every valid event accepted during the attack, within Svix\'s 15 s');
		assert.equal(stalledAt40.closed, 20, 'every stalled body cut by client_body_timeout');
		assert.ok(stalledAt40.lastClosedAfterS < BODY_TIMEOUT_S + 5, `stalled bodies cut within ${BODY_TIMEOUT_S + 5} s`);
		assert.equal(logged408, 20, 'nginx logged 408 for each stalled body');
	});
});
