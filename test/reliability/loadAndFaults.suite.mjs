// Reliability through a real n8n (part of `npm run test:reliability`): load without loss,
// redeliveries under load, SIGKILL and restart while a Svix-like sender keeps going, protocol
// edges, and secret hygiene with n8n at debug log level. Reports the numbers (sent,
// executed, duplicated) as it goes.
//
//   node --test test/reliability/loadAndFaults.suite.mjs
//
// RELIABILITY_QUICK=1 (or `node test/reliability/loadAndFaults.suite.mjs --quick`) scales the loads down for
// development; CI runs the full sizes. The tests share one n8n and run in order.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import { describe, test as nodeTest } from 'node:test';
import { gzipSync } from 'node:zlib';

import { distinctEvents, exampleBody, newSigningSecret, svixHeaders } from '../../tools/harness/signedEvents.mjs';
import { budgetReport, deliverLikeSvix, statusCounts } from '../../tools/harness/load.mjs';
import { nodeOutput, removeUserFolder, startN8n, startSuiteInstance } from '../../tools/harness/n8n.mjs';
import { log, sleep, stopAllServers, waitFor } from '../../tools/harness/process.mjs';
import { N8N_VERSION } from '../../tools/harness/runtime.mjs';
import { suiteHooks } from '../../tools/harness/suite.mjs';
import { TRIGGER_NODE_NAME, createAnonWorkflow, executedEventIds, noOpWorkflow, webhookUrl } from '../../tools/harness/workflows.mjs';

const quick = process.env.RELIABILITY_QUICK === '1' || process.argv.includes('--quick');
const SIZES = quick ? { load: 500, redeliveries: 500, crash: 200 } : { load: 1000, redeliveries: 1000, crash: 600 };
const SECRET = newSigningSecret();
const ctx = { numbers: [] };
// The full load tests take minutes each on a 2-core machine.
const TEST_TIMEOUT_MS = 20 * 60_000;
const test = (name, fn) => nodeTest(name, { timeout: TEST_TIMEOUT_MS }, fn);

/** A workflow's execution count, once n8n has saved them all. */
const settle = async (workflowId) => (await ctx.client.settledExecutionCounts([workflowId]))[workflowId];

async function createWorkflow(name, options = {}) {
	const workflow = await createAnonWorkflow(ctx.client, noOpWorkflow({ name, ...ctx.trigger, options }));
	return { ...workflow, url: webhookUrl(ctx.n8n.baseUrl, workflow) };
}

/**
 * A workflow whose trigger refuses every request with 500 (invalid option, broken credential):
 * the client's activate() waits for a signed ping to be answered 200, which such a trigger never
 * does, so this activates it through the public API alone and waits for n8n to stop answering
 * 404 instead. Returns { id, name, webhookId, url, probes }.
 */
async function createRefusingWorkflow(definition) {
	const created = await ctx.client.createWorkflow(definition, { activate: false });
	await ctx.client.call('POST', `/api/v1/workflows/${created.id}/activate`, { auth: 'apiKey' });
	const { webhookId } = definition.nodes.find((node) => node.name === TRIGGER_NODE_NAME);
	const url = webhookUrl(ctx.n8n.baseUrl, { webhookId });
	let probes = 0;
	await waitFor(
		async () => {
			probes++;
			return (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status !== 404;
		},
		{ what: `the production webhook of "${created.name}"` },
	);
	return { id: created.id, name: created.name, webhookId, url, probes };
}

const report = (line) => {
	ctx.numbers.push(line);
	console.log(`      ${line}`);
};

describe(`reliability in n8n ${N8N_VERSION}${quick ? ' (quick)' : ''}`, () => {
	suiteHooks({
		async setUp() {
			log(`RELIABILITY: n8n ${N8N_VERSION}${quick ? ' (quick)' : ''}`);
			ctx.n8nEnv = { N8N_LOG_LEVEL: 'debug' };
			Object.assign(ctx, await startSuiteInstance({ name: 'reliability', env: ctx.n8nEnv, secret: SECRET }));
		},
		async tearDown({ ok }) {
			await stopAllServers();
			await removeUserFolder(ctx.userFolder, { keep: !ok });
		},
	});

	test(`load: ${SIZES.load} signed events at concurrency 32 → exactly ${SIZES.load} executions, each event once`, async () => {
		const workflow = await createWorkflow('reliability: load');
		const events = await distinctEvents(SIZES.load, { prefix: 'evt_rel_load', type: 'workflow_run.failed' });
		const started = Date.now();
		const outcomes = await deliverLikeSvix(workflow.url, events, { secret: SECRET, concurrency: 32 });
		const seconds = (Date.now() - started) / 1000;
		assert.equal(outcomes.filter((o) => o.delivered).length, SIZES.load, 'every event acknowledged 2xx');
		await settle(workflow.id);
		const { byEvent, total } = await executedEventIds(ctx.client, workflow.id);
		const once = events.filter((e) => byEvent.get(e.eventId)?.length === 1).length;
		report(`load: sent ${SIZES.load}, executed ${total}, each event exactly once: ${once}; ${(SIZES.load / seconds).toFixed(1)} events/s; first answers ${JSON.stringify(statusCounts(outcomes.map((o) => ({ status: o.statuses[0] }))))}`);
		assert.equal(total, SIZES.load);
		assert.equal(once, SIZES.load);
	});

	test(`load with 20% redeliveries interleaved (same svix-id) → executions equal the unique events`, async () => {
		const workflow = await createWorkflow('reliability: redeliveries');
		const unique = Math.round(SIZES.redeliveries * 0.8);
		const events = await distinctEvents(unique, { prefix: 'evt_rel_redelivery', type: 'workflow_run.failed' });
		// Each redelivery is a copy of an event sent a little earlier (0–50 positions back), so
		// some copies race their original (in flight) and some arrive after it was accepted.
		const stream = [...events];
		for (let k = 0; k < SIZES.redeliveries - unique; k++) {
			const original = Math.floor(Math.random() * unique);
			const position = Math.min(stream.length, stream.indexOf(events[original]) + 1 + Math.floor(Math.random() * 50));
			stream.splice(position, 0, events[original]);
		}
		// Anon's budget with a 6 s give-up: the retries come after 2 s and 120 s (Svix's delays
		// scaled like the give-up). A copy answered 409 twice (its original still in flight) is acknowledged by the
		// last retry; with Svix's 15 s give-up that retry would come 5 minutes later.
		const outcomes = await deliverLikeSvix(workflow.url, stream, { secret: SECRET, concurrency: 32, timeoutMs: 6_000 });
		assert.equal(outcomes.filter((o) => o.delivered).length, stream.length, 'every delivery acknowledged 2xx in the end');
		await settle(workflow.id);
		const { byEvent, total } = await executedEventIds(ctx.client, workflow.id);
		const twice = [...byEvent.values()].filter((statuses) => statuses.length > 1).length;
		const firstAnswers = statusCounts(outcomes.map((o) => ({ status: o.statuses[0] })));
		const answers = statusCounts(outcomes.map((o) => ({ status: o.statuses.join(' → ') })));
		report(`redeliveries: sent ${stream.length} (${unique} unique + ${stream.length - unique} copies), executed ${total}, duplicated ${twice}; first answers ${JSON.stringify(firstAnswers)} (409 = copy raced its original, retried); answers by delivery ${JSON.stringify(answers)}`);
		assert.equal(total, unique);
		assert.equal(twice, 0);
		assert.ok(events.every((e) => byEvent.get(e.eventId)?.length === 1));
	});

	test(`crash: SIGKILL n8n mid-stream and restart it; a Svix-like sender keeps retrying → every event executes`, async () => {
		const workflow = await createWorkflow('reliability: crash');
		const events = await distinctEvents(SIZES.crash, { prefix: 'evt_rel_crash', type: 'workflow_run.failed' });
		// Anon's budget with a 4 s give-up, so the retries come after 1.3 s and 80 s: the second
		// retry finds n8n restarted (down for about 20 s here).
		const sending = deliverLikeSvix(workflow.url, events, { secret: SECRET, concurrency: 8, timeoutMs: 4_000 });
		// Kill once about a third of the events have executions.
		await waitFor(async () => (await ctx.client.executions(workflow.id, { includeData: false })).length >= SIZES.crash / 3, {
			timeoutMs: 180_000,
			what: 'a third of the crash-test events',
		});
		const killedAt = Date.now();
		process.kill(-ctx.n8n.pid, 'SIGKILL');
		await ctx.n8n.stop();
		log('n8n killed with SIGKILL; restarting');
		ctx.n8n = await startN8n({ userFolder: ctx.userFolder, port: ctx.n8n.port, env: ctx.n8nEnv });
		const downSeconds = (Date.now() - killedAt) / 1000;
		const outcomes = await sending;
		assert.equal(outcomes.filter((o) => o.delivered).length, SIZES.crash, 'every event acknowledged 2xx within the budget');
		await settle(workflow.id);
		const { byEvent, runs, total, withoutData } = await executedEventIds(ctx.client, workflow.id);
		const anon = budgetReport(outcomes, runs);
		const strict = budgetReport(outcomes, runs, 2);
		report(`crash (When Received): Anon's budget (1 + 2 attempts): lost ${anon.lost} (acknowledged, then killed), doubled ${anon.doubled}, marked failed in Anon ${anon.markedFailed}; two attempts in all: lost ${strict.lost}, doubled ${strict.doubled}, marked failed ${strict.markedFailed}`);
		const missing = events.filter((e) => !byEvent.has(e.eventId));
		const twice = events.filter((e) => (byEvent.get(e.eventId)?.length ?? 0) > 1);
		const crashedOnly = events.filter((e) => byEvent.get(e.eventId)?.every((status) => status === 'crashed'));
		const retried = outcomes.filter((o) => o.attempts > 1).length;
		report(`crash: sent ${SIZES.crash}, n8n down ${downSeconds.toFixed(1)} s, deliveries retried ${retried}, executions ${total} (${withoutData.length} crashed without data: ${JSON.stringify(withoutData)}), events with no attributable execution ${missing.length}, events executed twice ${twice.length}, events whose only execution crashed ${crashedOnly.length}`);
		if (twice.length > 0) {
			const example = twice.slice(0, 3).map((e) => `${e.eventId}: ${byEvent.get(e.eventId).join(' + ')}`);
			report(`  twice: n8n created the execution, then died before its answer reached the sender; the retry reached a process with no memory of the svix-id. E.g. ${example.join(', ')}`);
		}
		if (crashedOnly.length > 0) {
			report('  crashed: accepted (execution created, 2xx sent) just before the kill; n8n marks such executions "crashed" on restart and does not rerun them. Retry them from the executions list.');
		}
		if (missing.length > 0) {
			report(`  no attributable execution: acknowledged just before the kill; n8n had created the execution, and the crash destroyed its data (it is among the ${withoutData.length} crashed without data). Replay such events from Anon's event log: the restarted process has no memory of their svix-id, so they run.`);
		}
		// Every acknowledged event has an execution: its own, or one n8n created whose data the crash destroyed.
		assert.ok(
			missing.length <= withoutData.filter((status) => status !== 'success').length,
			`events without any execution: ${missing.slice(0, 5).map((e) => e.eventId)}; executions without data: ${withoutData}`,
		);
	});

	test('protocol edges: gzip, size limit, content types, methods, header case, deactivated workflow', async () => {
		const workflow = await createWorkflow('reliability: edges');
		const body = await exampleBody('link.closed');
		const post = (options) => fetch(workflow.url, { method: 'POST', ...options });
		const signed = (text = body) => svixHeaders({ secret: SECRET, body: text });
		const before = await settle(workflow.id);
		const answers = [];
		const expectAnswer = async (what, response, status, executes) => {
			answers.push({ what, status: response.status, executes });
			assert.equal(response.status, status, `${what}: ${response.status} ${await response.text()}`);
		};

		// n8n inflates it before the node runs; Anon never compresses, so the trigger refuses it
		// whatever it holds (the proxy refuses it first: docs/reverse-proxy.md).
		await expectAnswer('gzip-encoded signed JSON (n8n inflates it): 415 unsupported_content_encoding',
			await post({ headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', ...signed() }, body: gzipSync(body) }), 415, false);
		await expectAnswer('text/plain with a signed JSON event', await post({ headers: { 'content-type': 'text/plain', ...signed() }, body }), 200, true);
		// A body n8n did not read is refused unread (415), and the connection closed: nothing the
		// node reads waits on the sender (Svix always sends application/json).
		const octet = await post({ headers: { 'content-type': 'application/octet-stream', ...signed() }, body });
		assert.equal(octet.headers.get('connection'), 'close', 'octet-stream: Connection: close');
		assert.equal((await octet.clone().json()).reason, 'unsupported_content_type');
		await expectAnswer('application/octet-stream with a signed JSON event (refused unread, connection closed)', octet, 415, false);
		await expectAnswer('no content-type with a signed JSON event (refused unread)', await post({ headers: signed(), body: Buffer.from(body) }), 415, false);
		const upper = Object.fromEntries(Object.entries(signed()).map(([k, v]) => [k.toUpperCase(), v]));
		await expectAnswer('upper-case header names (HTTP headers are case-insensitive)',
			await post({ headers: { 'Content-Type': 'application/json', ...upper }, body }), 200, true);
		await expectAnswer('invalid JSON with content-type application/json (n8n answers 422 itself)',
			await post({ headers: { 'content-type': 'application/json', ...signed('{"type":') }, body: '{"type":' }), 422, false);
		const nearLimit = JSON.stringify({ ...JSON.parse(body), padding: 'x'.repeat(15 * 2 ** 20) });
		await expectAnswer('a 15 MiB signed event (under n8n\'s 16 MiB limit)',
			await post({ headers: { 'content-type': 'application/json', ...signed(nearLimit) }, body: nearLimit }), 200, true);
		const overLimit = JSON.stringify({ ...JSON.parse(body), padding: 'x'.repeat(17 * 2 ** 20) });
		const tooLarge = await post({ headers: { 'content-type': 'application/json', ...signed(overLimit) }, body: overLimit });
		answers.push({ what: 'a 17 MiB signed event (over the limit: n8n refuses it before the node runs)', status: tooLarge.status, executes: false });
		assert.ok(tooLarge.status >= 400, `17 MiB: ${tooLarge.status}`);
		for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
			const response = await fetch(workflow.url, { method, headers: signed(), body: method === 'GET' ? undefined : body });
			await expectAnswer(`${method} (only POST is registered; n8n answers 404)`, response, 404, false);
		}
		await ctx.client.call('POST', `/api/v1/workflows/${workflow.id}/deactivate`, { auth: 'apiKey' });
		// Deactivation returns a moment before the webhook is gone; unsigned probes run nothing.
		await waitFor(async () => (await post({ body: '{}' })).status === 404, { what: 'the webhook to be removed' });
		await expectAnswer('after the workflow is deactivated (n8n answers 404; Svix retries)',
			await post({ headers: { 'content-type': 'application/json', ...signed() }, body }), 404, false);

		const expected = answers.filter((a) => a.executes).length;
		const executed = (await settle(workflow.id)) - before;
		for (const a of answers) report(`edge: ${a.what} → ${a.status}${a.executes ? ', executes' : ''}`);
		assert.equal(executed, expected, 'executions for the edge cases');
		const health = await fetch(`${ctx.n8n.baseUrl}/healthz`);
		assert.equal(health.status, 200, 'n8n is still healthy');
	});

	test('secret hygiene: no custom header value reaches execution data or n8n\'s log unless named in Headers to Show (Include Delivery Details)', async () => {
		// The headers proxies, identity layers and senders use for credentials: no list
		// of name fragments knows them all, so every value is redacted unless named.
		const credentialHeaders = createRequire(import.meta.url)('../../fixtures/credential-headers.json').headers;
		const marker = () => `marker-${randomUUID()}`;
		const markers = Object.fromEntries(credentialHeaders.map((name) => [name, marker()]));
		const values = {
			...markers,
			authorization: `Bearer ${markers.authorization}`,
			'proxy-authorization': `Basic ${markers['proxy-authorization']}`,
			// A proxy header (x-forwarded-*): left out of delivery details altogether.
			'x-forwarded-access-token': (markers['x-forwarded-access-token'] = marker()),
			// Named in Headers to Show: a plain value is shown, a Bearer value stays redacted.
			'x-partner-auth': `Bearer ${(markers['x-partner-auth'] = marker())}`,
		};
		const tenant = `acme-${randomUUID()}`;
		const workflow = await createWorkflow('reliability: delivery details', {
			includeDelivery: true,
			headersToShow: 'X-Tenant, x-partner-auth',
		});
		const body = await exampleBody('workflow_run.failed');
		const before = await settle(workflow.id);
		const response = await fetch(workflow.url, {
			method: 'POST',
			headers: { 'content-type': 'application/json', 'x-tenant': tenant, 'x-region': 'eu', ...values, ...svixHeaders({ secret: SECRET, body }) },
			body,
		});
		assert.equal(response.status, 200, await response.text());
		assert.equal(await settle(workflow.id), before + 1, 'one execution');
		const [execution] = await ctx.client.executions(workflow.id);
		const data = JSON.stringify(execution);
		const logText = await fs.readFile(ctx.n8n.logFile, 'utf8');
		for (const [name, value] of Object.entries(markers)) {
			assert.ok(!data.includes(value), `${name}'s value is in the execution data`);
			assert.ok(!logText.includes(value), `${name}'s value is in n8n's log`);
		}
		const [item] = nodeOutput(execution, TRIGGER_NODE_NAME);
		const shown = item.delivery.headers;
		for (const name of credentialHeaders) assert.equal(shown[name], '[redacted]', `${name} is shown by name, redacted`);
		assert.equal(shown['x-region'], '[redacted]', 'a plain custom header not named is redacted too');
		assert.equal(shown['x-tenant'], tenant, 'a header named in Headers to Show is shown');
		assert.equal(shown['x-partner-auth'], '[redacted]', 'a Bearer value stays redacted even when named');
		assert.ok(!('x-forwarded-access-token' in shown), 'x-forwarded-* headers are left out');
		report(`secret hygiene: ${credentialHeaders.length + 2} credential-bearing headers, none of their ${Object.keys(markers).length} markers in execution data or n8n's log; ${credentialHeaders.length} shown by name as [redacted], x-forwarded-access-token left out, x-partner-auth (named, Bearer) redacted, x-tenant (named) shown`);
	});

	test('options set by an expression reach the node as the expression returns them: numbers as numbers, text as text (refused)', async () => {
		// Evidence for the options check: n8n type-checks collection options only when
		// their description sets validateType, which the trigger's do not.
		const body = await exampleBody('job_run.completed');
		const post = (url, ageSeconds) =>
			fetch(url, {
				method: 'POST',
				headers: { 'content-type': 'application/json', ...svixHeaders({ secret: SECRET, body, timestamp: new Date(Date.now() - ageSeconds * 1000) }) },
				body,
			});
		const number = await createWorkflow('reliability: tolerance {{ 30 }}', { toleranceSeconds: '={{ 30 }}' });
		const numberBefore = await settle(number.id);
		const old = await post(number.url, 100);
		assert.equal(old.status, 401, 'a 100 s old signature is refused with a tolerance of {{ 30 }} (the default 300 would accept it)');
		assert.equal((await old.json()).reason, 'timestamp_too_old');
		assert.equal((await post(number.url, 0)).status, 200, 'a fresh one is accepted');
		assert.equal(await settle(number.id), numberBefore + 1);

		const answers = {};
		for (const [expression, age] of [['={{ "abc" }}', 2 * 86_400], ['={{ "300" }}', 0], ['={{ -5 }}', 0]]) {
			const workflow = await createRefusingWorkflow(noOpWorkflow({ name: `reliability: tolerance ${expression}`, ...ctx.trigger, options: { toleranceSeconds: expression } }));
			const response = await post(workflow.url, age);
			const answer = await response.json();
			answers[expression] = `${response.status} ${answer.reason}`;
			assert.equal(response.status, 500, `${expression}: ${JSON.stringify(answer)}`);
			assert.equal(answer.reason, 'invalid_option');
			assert.doesNotMatch(answer.message, /Tolerance|toleranceSeconds/, 'the caller may be anyone: the option is named only in the log');
			await sleep(500);
			const [warning] = (await fs.readFile(ctx.n8n.logFile, 'utf8')).split('\n').filter((line) => line.includes('500 invalid_option') && line.includes(workflow.id));
			assert.match(warning ?? '', /Timestamp Tolerance \(Seconds\)/, `${expression}: n8n's log names the option`);
			if (expression.includes('"300"')) assert.match(warning, /text that looks like a number/, 'n8n hands the text "300" over as text');
			assert.equal(await settle(workflow.id), 0, `${expression}: no execution`);
		}
		report(`options by expression: {{ 30 }} honoured as a number (100 s old → 401 timestamp_too_old, fresh → 200); ${Object.entries(answers).map(([e, a]) => `${e.slice(1)} → ${a}`).join(', ')}`);
	});

	test('a broken credential: callers get a generic 500, n8n\'s log one warning per minute, not one per request', async () => {
		const broken = await ctx.client.createCredential({ name: 'Anon broken', signingSecret: 'whsec_short' });
		const workflow = await createRefusingWorkflow(
			noOpWorkflow({ name: 'reliability: broken credential', credentialId: broken.id, credentialName: broken.name }),
		);
		const { url } = workflow;
		const answers = [];
		for (let i = 0; i < 5; i++) {
			const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"forged":true}' });
			answers.push({ status: response.status, body: await response.json() });
		}
		for (const answer of answers) {
			assert.equal(answer.status, 500);
			assert.equal(answer.body.reason, 'endpoint_misconfigured');
			assert.doesNotMatch(JSON.stringify(answer.body), /base64|bytes|whsec|decrypt/, 'no detail for the caller');
		}
		await sleep(500);
		const logText = await fs.readFile(ctx.n8n.logFile, 'utf8');
		const warnings = logText.split('\n').filter((line) => line.includes('cannot verify requests') && line.includes(workflow.id));
		const requests = workflow.probes + answers.length;
		assert.equal(warnings.length, 1, `one warning for ${requests} requests:\n${warnings.join('\n')}`);
		assert.match(warnings[0], /decodes to|not valid base64/, 'the detail is in the log');
		assert.equal(await settle(workflow.id), 0, 'no execution');
		report(`broken credential: ${requests} unsigned requests → 500 endpoint_misconfigured (generic) each, ${warnings.length} warning in n8n's log`);
	});

	test('secret hygiene: at debug log level the secret is in neither n8n\'s log nor any execution', async () => {
		const material = SECRET.slice('whsec_'.length);
		const logText = await fs.readFile(ctx.n8n.logFile, 'utf8');
		assert.ok(/debug/i.test(logText), 'n8n logged at debug level');
		assert.ok(!logText.includes(material), 'secret found in the n8n log');
		const workflows = await ctx.client.call('GET', '/api/v1/workflows?limit=250', { auth: 'apiKey' });
		let executions = 0;
		for (const workflow of workflows.data) {
			const all = await ctx.client.executions(workflow.id);
			executions += all.length;
			assert.ok(!JSON.stringify(all).includes(material), `secret found in executions of ${workflow.name}`);
		}
		report(`secret hygiene: ${(logText.length / 2 ** 20).toFixed(1)} MiB of debug log and ${executions} executions checked`);
	});
});
