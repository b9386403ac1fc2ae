// "Runs once" where real deliveries go wrong, in a real n8n (part of `npm run test:reliability`):
// a sender that gives up while n8n is busy and retries, n8n killed mid-stream with the
// Acknowledge option set to When the Workflow Finishes, and a workflow that fails on its
// first run. The sender behaves like Svix: same svix-id on every retry, back-off, a give-up
// timeout (2 s here, 15 s at Svix).
//
//   node --test test/reliability/runsOnce.mjs
//
// RELIABILITY_QUICK=1 scales the loads down for development; CI runs the full sizes.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { describe, test as nodeTest } from 'node:test';

import { distinctEvents, newSigningSecret } from '../../tools/harness/signedEvents.mjs';
import { deliverLikeSvix, sendEvents, statusCounts } from '../../tools/harness/load.mjs';
import { removeUserFolder, startN8n, startSuiteInstance } from '../../tools/harness/n8n.mjs';
import { log, stopAllServers, waitFor } from '../../tools/harness/process.mjs';
import { N8N_VERSION } from '../../tools/harness/runtime.mjs';
import { suiteHooks } from '../../tools/harness/suite.mjs';
import { chainWorkflow, createAnonWorkflow, executedEventIds, noOpWorkflow, webhookUrl } from '../../tools/harness/workflows.mjs';

const quick = process.env.RELIABILITY_QUICK === '1' || process.argv.includes('--quick');
const SIZES = quick ? { busy: 200, flood: 600, crash: 200 } : { busy: 300, flood: 800, crash: 600 };
const SECRET = newSigningSecret();
const ctx = {};
const test = (name, fn) => nodeTest(name, { timeout: 20 * 60_000 }, fn);
const report = (line) => console.log(`      ${line}`);

async function createWorkflow(definition) {
	const workflow = await createAnonWorkflow(ctx.client, definition);
	return { ...workflow, url: webhookUrl(ctx.n8n.baseUrl, workflow) };
}

/** Counts what a delivery's answers were: how many gave up (0), how many events ended 2xx. */
function answers(outcomes) {
	return {
		gaveUp: outcomes.reduce((sum, o) => sum + o.statuses.filter((status) => status === 0).length, 0),
		lastAnswer2xx: outcomes.filter((o) => o.delivered).length,
		first: statusCounts(outcomes.map((o) => ({ status: o.statuses[0] }))),
	};
}

/**
 * A service the workflow calls for each event: it fails (500) the first call for an event id
 * and succeeds after, as a flaky downstream system does. `calls` counts the calls per id.
 */
async function startFlakyService() {
	const calls = new Map();
	const server = http.createServer((request, response) => {
		const id = decodeURIComponent(request.url.split('/').pop());
		calls.set(id, (calls.get(id) ?? 0) + 1);
		response.writeHead(calls.get(id) === 1 ? 500 : 200, { 'content-type': 'application/json' });
		response.end(JSON.stringify({ id, call: calls.get(id) }));
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	return { url: `http://127.0.0.1:${server.address().port}/run`, calls, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Anon Trigger (Acknowledge `acknowledge`) → HTTP Request to the flaky service with the event id. */
function flakyWorkflow({ name, acknowledge, serviceUrl }) {
	const workflow = noOpWorkflow({ name, ...ctx.trigger, options: { acknowledge } });
	const call = {
		id: randomUUID(),
		name: 'Call Service',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position: [240, 0],
		parameters: { url: `=${serviceUrl}/{{ $json.event.id }}`, options: {} },
	};
	return chainWorkflow(name, [workflow.nodes[0], call]);
}

describe(`runs once in n8n ${N8N_VERSION}${quick ? ' (quick)' : ''}`, () => {
	suiteHooks({
		async setUp() {
			Object.assign(ctx, await startSuiteInstance({ name: 'runs-once', secret: SECRET }));
		},
		async tearDown({ ok }) {
			await stopAllServers();
			await removeUserFolder(ctx.userFolder, { keep: !ok });
		},
	});

	test(`a sender that gives up after 2 s and retries, against a busy n8n: ${SIZES.busy} events run once each`, async () => {
		const workflow = await createWorkflow(noOpWorkflow({ name: 'runs once: busy', ...ctx.trigger }));
		const other = await createWorkflow(noOpWorkflow({ name: 'runs once: other traffic', ...ctx.trigger }));
		const events = await distinctEvents(SIZES.busy, { prefix: 'evt_busy', type: 'workflow_run.failed' });
		const flood = await distinctEvents(SIZES.flood, { prefix: 'evt_flood', type: 'link.opened' });
		// Other events, 96 at a time, keep n8n (about 20-40 events/s here) answering later than
		// the 2 s give-up while they last; the Svix-like retries of the events under test then
		// continue until each is acknowledged.
		const background = sendEvents(flood, { url: other.url, secret: SECRET, concurrency: 96, timeoutMs: null });
		const outcomes = await deliverLikeSvix(workflow.url, events, { secret: SECRET, concurrency: 16, timeoutMs: 2000, maxAttempts: 30 });
		await background;
		const seen = answers(outcomes);
		await ctx.client.settledExecutionCounts([workflow.id, other.id]);
		const { byEvent, total } = await executedEventIds(ctx.client, workflow.id);
		const doubled = events.filter((e) => (byEvent.get(e.eventId)?.length ?? 0) > 1).length;
		const missing = events.filter((e) => !byEvent.has(e.eventId)).length;
		report(`busy: sent ${SIZES.busy} beside ${SIZES.flood} other events, attempts given up ${seen.gaveUp}, executions ${total}, doubled ${doubled}, missing ${missing}, last answer 2xx ${seen.lastAnswer2xx}; first answers ${JSON.stringify(seen.first)}`);
		assert.ok(seen.gaveUp > 0, 'n8n was busy enough that the sender gave up on some attempts');
		assert.equal(seen.lastAnswer2xx, SIZES.busy, "every event's last answer is 2xx");
		assert.equal(doubled, 0, 'no event ran twice');
		assert.equal(missing, 0, 'every event ran');
		assert.equal(total, SIZES.busy, 'executions equal the distinct events');
	});

	test(`SIGKILL mid-stream with When the Workflow Finishes: none of ${SIZES.crash} events lost`, async () => {
		const workflow = await createWorkflow(noOpWorkflow({ name: 'runs once: crash', ...ctx.trigger, options: { acknowledge: 'lastNode' } }));
		const events = await distinctEvents(SIZES.crash, { prefix: 'evt_kill', type: 'workflow_run.failed' });
		const sending = deliverLikeSvix(workflow.url, events, { secret: SECRET, concurrency: 8, timeoutMs: 15_000, maxAttempts: 20 });
		await waitFor(async () => (await ctx.client.executions(workflow.id, { includeData: false })).length >= SIZES.crash / 3, {
			timeoutMs: 180_000,
			what: 'a third of the events executed',
		});
		process.kill(-ctx.n8n.pid, 'SIGKILL');
		await ctx.n8n.stop();
		log('n8n killed with SIGKILL; restarting');
		ctx.n8n = await startN8n({ userFolder: ctx.userFolder, port: ctx.n8n.port });
		const outcomes = await sending;
		await ctx.client.settledExecutionCounts([workflow.id]);
		const { byEvent, total, withoutData } = await executedEventIds(ctx.client, workflow.id);
		const succeeded = (e) => (byEvent.get(e.eventId) ?? []).filter((status) => status === 'success').length;
		const lost = events.filter((e) => succeeded(e) === 0);
		const doubled = events.filter((e) => succeeded(e) > 1);
		const seen = answers(outcomes);
		report(`crash (When the Workflow Finishes): sent ${SIZES.crash}, executions ${total} (${withoutData.length} without data), lost ${lost.length}, succeeded twice ${doubled.length} (finished just before the kill, answer lost with it), last answer 2xx ${seen.lastAnswer2xx}`);
		assert.equal(seen.lastAnswer2xx, SIZES.crash, 'every event acknowledged in the end');
		assert.deepEqual(lost.map((e) => e.eventId), [], 'events without a successful execution');
	});

	test('a workflow that fails on its first run: When the Workflow Finishes runs the retry; When Received runs once', async () => {
		const service = await startFlakyService();
		try {
			for (const acknowledge of ['lastNode', 'onReceived']) {
				const workflow = await createWorkflow(flakyWorkflow({ name: `runs once: flaky (${acknowledge})`, acknowledge, serviceUrl: service.url }));
				const [event] = await distinctEvents(1, { prefix: `evt_flaky_${acknowledge}`, type: 'workflow_run.failed' });
				const [outcome] = await deliverLikeSvix(workflow.url, [event], { secret: SECRET, concurrency: 1, timeoutMs: 15_000 });
				const executions = await ctx.client.finishedExecutions(workflow.id, acknowledge === 'lastNode' ? 2 : 1);
				const statuses = executions.map((execution) => execution.status).reverse();
				report(`flaky workflow, ${acknowledge}: answers ${outcome.statuses.join(' → ')}, executions ${statuses.join(' → ')}, service calls ${service.calls.get(event.eventId)}`);
				assert.ok(outcome.delivered, 'the message ends acknowledged');
				if (acknowledge === 'lastNode') {
					assert.deepEqual(outcome.statuses, [500, 200], 'the failed run is not acknowledged; its retry is');
					assert.deepEqual(statuses, ['error', 'success']);
					assert.equal(service.calls.get(event.eventId), 2);
				} else {
					assert.deepEqual(outcome.statuses, [200], 'acknowledged on receipt');
					assert.deepEqual(statuses, ['error'], 'runs once, and its failure stays in n8n');
					assert.equal(service.calls.get(event.eventId), 1);
				}
			}
		} finally {
			await service.close();
		}
	});
});
