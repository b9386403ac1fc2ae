// "Runs once" where real deliveries go wrong, in a real n8n (part of `npm run test:reliability`):
// a sender that gives up while n8n is busy and retries, n8n killed mid-stream with the
// Acknowledge option set to When the Workflow Finishes, and a workflow that fails on its
// first run. The sender behaves like Svix: same svix-id on every retry, back-off, a give-up
// timeout (2 s here, 15 s at Svix).
//
//   node --test test/reliability/runsOnce.suite.mjs
//
// RELIABILITY_QUICK=1 scales the loads down for development; CI runs the full sizes.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { describe, test as nodeTest } from 'node:test';

import { distinctEvents, newSigningSecret } from '../../tools/harness/signedEvents.mjs';
import { budgetReport, deliverLikeSvix, sendEvents, statusCounts } from '../../tools/harness/load.mjs';
import { removeUserFolder, startN8n, startSuiteInstance, waitForAnonWebhook } from '../../tools/harness/n8n.mjs';
import { log, stopAllServers, waitFor } from '../../tools/harness/process.mjs';
import { N8N_VERSION } from '../../tools/harness/runtime.mjs';
import { suiteHooks } from '../../tools/harness/suite.mjs';
import { chainWorkflow, createAnonWorkflow, executedEventIds, nodeOutcomes, noOpWorkflow, removeDuplicatesWorkflow, webhookUrl } from '../../tools/harness/workflows.mjs';

const quick = process.env.RELIABILITY_QUICK === '1' || process.argv.includes('--quick');
const SIZES = quick ? { busy: 200, flood: 600, crash: 200, outage: 20 } : { busy: 300, flood: 800, crash: 600, outage: 40 };
// How long the busy-sender test keeps n8n flooded (at most SIZES.flood events), well within the scaled 40 s before Anon's last retry.
const FLOOD_MS = 20_000;
const SECRET = newSigningSecret();
const ctx = {};
const test = (name, fn) => nodeTest(name, { timeout: 20 * 60_000 }, fn);
const report = (line) => console.log(`      ${line}`);

async function createWorkflow(definition) {
	const workflow = await createAnonWorkflow(ctx.client, definition);
	return { ...workflow, url: webhookUrl(ctx.n8n.baseUrl, workflow) };
}

/** How many of an event's executions succeeded (`byEvent` from executedEventIds). */
const successfulRuns = (byEvent, event) => (byEvent.get(event.eventId) ?? []).filter((status) => status === 'success').length;

/** Counts what a delivery's answers were: how many gave up (0), how many events ended 2xx. */
function answers(outcomes) {
	return {
		gaveUp: outcomes.reduce((sum, o) => sum + o.statuses.filter((status) => status === 0).length, 0),
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

	test(`a sender that gives up after 2 s and retries at Anon's budget, against an n8n busy for a while: ${SIZES.busy} events run once each`, async () => {
		const workflow = await createWorkflow(noOpWorkflow({ name: 'runs once: busy', ...ctx.trigger }));
		const other = await createWorkflow(noOpWorkflow({ name: 'runs once: other traffic', ...ctx.trigger }));
		const events = await distinctEvents(SIZES.busy, { prefix: 'evt_busy', type: 'workflow_run.failed' });
		const flood = await distinctEvents(SIZES.flood, { prefix: 'evt_flood', type: 'link.opened' });
		// Other events, 96 at a time, keep n8n answering later than the 2 s give-up for the first
		// FLOOD_MS: busy for a while, as a burst makes it, not down for longer than Anon retries.
		// The events under test get Anon's budget: the first attempt and two retries, after Svix's
		// delays scaled like the timeout (0.67 s, 40 s), so the last retry comes after the burst.
		const floodUntil = Date.now() + FLOOD_MS;
		const background = (async () => {
			for (let i = 0; i < flood.length && Date.now() < floodUntil; i += 96) {
				await sendEvents(flood.slice(i, i + 96), { url: other.url, secret: SECRET, concurrency: 96, timeoutMs: null });
			}
		})();
		const outcomes = await deliverLikeSvix(workflow.url, events, { secret: SECRET, concurrency: 16, timeoutMs: 2000 });
		await background;
		const seen = answers(outcomes);
		await ctx.client.settledExecutionCounts([workflow.id, other.id]);
		const { runs, total } = await executedEventIds(ctx.client, workflow.id);
		const anon = budgetReport(outcomes, runs);
		const strict = budgetReport(outcomes, runs, 2);
		report(`busy: sent ${SIZES.busy} beside at most ${SIZES.flood} other events for ${FLOOD_MS / 1000} s, attempts given up ${seen.gaveUp}, executions ${total}; Anon's budget (1 + 2 attempts): lost ${anon.lost}, doubled ${anon.doubled}, marked failed in Anon ${anon.markedFailed}; two attempts in all: lost ${strict.lost}, doubled ${strict.doubled}, marked failed ${strict.markedFailed}; first answers ${JSON.stringify(seen.first)}`);
		assert.ok(seen.gaveUp > 0, 'n8n was busy enough that the sender gave up on some attempts');
		assert.equal(anon.doubled, 0, 'no event ran twice');
		assert.equal(anon.lost, 0, 'every event ran');
		assert.equal(total, SIZES.busy, 'executions equal the distinct events');
	});

	test(`SIGKILL mid-stream with When the Workflow Finishes: none of ${SIZES.crash} events lost`, async () => {
		const workflow = await createWorkflow(noOpWorkflow({ name: 'runs once: crash', ...ctx.trigger, options: { acknowledge: 'lastNode' } }));
		const events = await distinctEvents(SIZES.crash, { prefix: 'evt_kill', type: 'workflow_run.failed' });
		// Anon's budget with a 4 s give-up, so the retries come after 1.3 s and 80 s: the second
		// retry finds n8n restarted (down for about 20 s here).
		const sending = deliverLikeSvix(workflow.url, events, { secret: SECRET, concurrency: 8, timeoutMs: 4_000 });
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
		const { byEvent, runs, total, withoutData } = await executedEventIds(ctx.client, workflow.id);
		const lost = events.filter((e) => successfulRuns(byEvent, e) === 0);
		const anon = budgetReport(outcomes, runs);
		const strict = budgetReport(outcomes, runs, 2);
		report(`crash (When the Workflow Finishes): sent ${SIZES.crash}, executions ${total} (${withoutData.length} without data); Anon's budget (1 + 2 attempts): lost ${anon.lost}, doubled ${anon.doubled} (finished just before the kill, answer lost with it), marked failed in Anon ${anon.markedFailed}; two attempts in all: lost ${strict.lost}, doubled ${strict.doubled}, marked failed ${strict.markedFailed}`);
		assert.deepEqual(lost.map((e) => e.eventId), [], 'events without a successful execution');
		assert.equal(anon.lost, 0, "lost at Anon's budget");
	});

	test(`an outage longer than Anon's retries, recovered as docs/troubleshooting.md says: ${SIZES.outage} messages marked failed, replayed from the Event Log, each runs once`, async () => {
		const workflow = await createWorkflow(noOpWorkflow({ name: 'runs once: outage', ...ctx.trigger }));
		const ranBefore = await distinctEvents(SIZES.outage, { prefix: 'evt_before_outage', type: 'workflow_run.failed' });
		const outage = await distinctEvents(SIZES.outage, { prefix: 'evt_outage', type: 'workflow_run.failed' });
		const before = await deliverLikeSvix(workflow.url, ranBefore, { secret: SECRET, concurrency: 8 });
		assert.ok(before.every((o) => o.delivered), 'delivered before the outage');
		await ctx.client.finishedExecutions(workflow.id, ranBefore.length);
		// n8n down for longer than Anon's budget: with a 0.6 s give-up the retries come after
		// 0.2 s and 12 s, and every attempt is refused.
		await ctx.n8n.stop();
		const refused = await deliverLikeSvix(workflow.url, outage, { secret: SECRET, concurrency: 8, timeoutMs: 600 });
		const marked = budgetReport(refused, new Map());
		ctx.n8n = await startN8n({ userFolder: ctx.userFolder, port: ctx.n8n.port });
		await waitForAnonWebhook(workflow.url, { secret: SECRET, what: 'the workflow after the outage' });
		// The guide: replay the outage's messages from the Event Log (the same svix-id; signed at
		// send time, which the reference does not state but a replay older than the 5-minute
		// tolerance needs; each sent once here). Then what a replay of something already run gets: a message
		// replayed a second time, still remembered; one that ran before the restart, forgotten.
		const replay = async (events) =>
			(await sendEvents(events, { url: workflow.url, secret: SECRET, concurrency: 8 })).results.map(({ status, body }) => ({ status, body: JSON.parse(body) }));
		const replayed = await replay(outage);
		const again = await replay(outage.slice(0, 5));
		const forgotten = await replay(ranBefore.slice(0, 1));
		await ctx.client.settledExecutionCounts([workflow.id]);
		const { byEvent, total } = await executedEventIds(ctx.client, workflow.id);
		const outageRuns = outage.map((e) => successfulRuns(byEvent, e));
		const lost = outageRuns.filter((n) => n === 0).length;
		const doubled = outageRuns.filter((n) => n > 1).length;
		report(`outage: ${SIZES.outage} messages refused on all ${marked.attempts} attempts (marked failed in Anon ${marked.markedFailed}); replayed after the restart: ${JSON.stringify(statusCounts(replayed))}, lost ${lost}, doubled ${doubled}; replayed again: ${JSON.stringify(again.map((r) => r.body?.status))}; run before the restart, replayed: ${forgotten[0].body?.status}; executions ${total}`);
		assert.equal(marked.markedFailed, SIZES.outage, 'every message of the outage is marked failed in Anon');
		assert.ok(refused.every((o) => o.statuses.every((status) => status === 0)), 'no attempt reached n8n while it was down');
		assert.deepEqual(replayed.map((r) => r.body?.status), outage.map(() => 'accepted'), 'each replay is accepted');
		assert.equal(lost, 0, 'lost');
		assert.equal(doubled, 0, 'doubled');
		assert.deepEqual(again.map((r) => [r.status, r.body?.status, r.body?.reason]), again.map(() => [200, 'duplicate', 'already_accepted']), 'a second replay is a duplicate');
		assert.deepEqual([forgotten[0].status, forgotten[0].body?.status], [200, 'accepted'], 'after a restart a replay runs again, as the guide says');
		assert.equal(successfulRuns(byEvent, ranBefore[0]), 2);
		assert.equal(total, 2 * SIZES.outage + 1, 'executions: before, the replays, the forgotten one again');
	});

	test('a workflow that fails on its first run: When the Workflow Finishes runs the retry; When Received runs once', async () => {
		const service = await startFlakyService();
		try {
			for (const acknowledge of ['lastNode', 'onReceived']) {
				const workflow = await createWorkflow(flakyWorkflow({ name: `runs once: flaky (${acknowledge})`, acknowledge, serviceUrl: service.url }));
				const [event] = await distinctEvents(1, { prefix: `evt_flaky_${acknowledge}`, type: 'workflow_run.failed' });
				// Anon's budget and Svix's delays: the retry comes after 5 s.
				const [outcome] = await deliverLikeSvix(workflow.url, [event], { secret: SECRET, concurrency: 1 });
				const executions = await ctx.client.finishedExecutions(workflow.id, acknowledge === 'lastNode' ? 2 : 1);
				const statuses = executions.map((execution) => execution.status).reverse();
				const runs = new Map([[event.eventId, executions.map(({ status, startedAt }) => ({ status, startedAt }))]]);
				const anon = budgetReport([outcome], runs);
				const strict = budgetReport([outcome], runs, 2);
				report(`flaky workflow, ${acknowledge}: answers ${outcome.statuses.join(' → ')}, executions ${statuses.join(' → ')}, service calls ${service.calls.get(event.eventId)}; Anon's budget: marked failed ${anon.markedFailed}; two attempts in all: marked failed ${strict.markedFailed}`);
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

	test('Remove Duplicates after the trigger, measured: copies with new svix-ids at once, and past its History Size', async () => {
		// The README's former exactly-once recipe, Anon Trigger → Remove Duplicates ({{ $json.event.id }},
		// scope workflow) → Downstream. n8n keeps the seen ids in one processed_data row that it reads
		// and rewrites without a lock or a transaction. Each copy carries a new svix-id (the same event
		// at another webhook process, or after a restart): only Remove Duplicates can stop it. This
		// measures and reports; it asserts only that every copy was answered and ran.
		const tally = (values) => values.reduce((counts, v) => ({ ...counts, [v]: (counts[v] ?? 0) + 1 }), {});
		const ok = (results) => results.every((r) => r.status >= 200 && r.status < 300);
		// Sends `deliveries` one at a time, each run finished before the next is sent; returns the answers.
		const oneByOne = async (workflow, deliveries, before = 0) => {
			const answers = [];
			for (const [i, event] of deliveries.entries()) {
				answers.push(...(await sendEvents([event], { url: workflow.url, secret: SECRET, concurrency: 1, timeoutMs: null })).results);
				await ctx.client.finishedExecutions(workflow.id, before + i + 1);
			}
			return answers;
		};
		// (1) 20 events × 4 copies, all sent at once (a copy's siblings go out side by side).
		const [K, C] = [20, 4];
		const racing = await createWorkflow(removeDuplicatesWorkflow({ name: 'runs once: remove duplicates, at once', ...ctx.trigger }));
		const events = await distinctEvents(K, { prefix: 'evt_dedupe', type: 'workflow_run.failed' });
		const copies = events.flatMap((e) => Array.from({ length: C }, (_, c) => ({ ...e, msgId: `${e.msgId}_${c}` })));
		const { results } = await sendEvents(copies, { url: racing.url, secret: SECRET, concurrency: 16, timeoutMs: null });
		await ctx.client.finishedExecutions(racing.id, copies.length);
		await ctx.client.settledExecutionCounts([racing.id]);
		const raced = await nodeOutcomes(ctx.client, racing.id, 'Remove Duplicates');
		const passes = new Map(events.map((e) => [e.eventId, 0]));
		for (const run of raced) if (passes.has(run.eventId)) passes.set(run.eventId, passes.get(run.eventId) + (run.passed > 0 ? 1 : 0));
		report(
			`Remove Duplicates, ${K} events × ${C} copies (new svix-ids) at concurrency 16: answers ${JSON.stringify(statusCounts(results))}, ` +
				`executions ${JSON.stringify(tally(raced.map((r) => r.status)))}; events by times passed on (exactly once: {"1":${K}}) ` +
				`${JSON.stringify(tally([...passes.values()]))}; errors ${JSON.stringify(tally(raced.filter((r) => r.error).map((r) => r.error)))}`,
		);
		// Then one more copy of each, one at a time: stopped unless a racing write dropped its id.
		const late = await oneByOne(racing, events.map((e) => ({ ...e, msgId: `${e.msgId}_late` })), copies.length);
		const replays = (await nodeOutcomes(ctx.client, racing.id, 'Remove Duplicates')).slice(copies.length);
		report(`then one more copy of each, one at a time: passed on again ${replays.filter((r) => r.passed > 0).length} of ${K}, executions ${JSON.stringify(tally(replays.map((r) => r.status)))}`);
		assert.ok(ok([...results, ...late]), 'every copy was acknowledged');
		assert.equal(raced.length, copies.length, 'every copy ran its own execution');
		assert.ok(raced.every((r) => passes.has(r.eventId)), 'every execution carries one of the events');
		assert.deepEqual(replays.map((r) => r.eventId), events.map((e) => e.eventId), 'one execution per late copy, in order');

		// (2) History Size 10: 15 events one after another (each run finished before the next is
		// sent), then a copy (new svix-id) of the first and of the last.
		const small = await createWorkflow(removeDuplicatesWorkflow({ name: 'runs once: remove duplicates, history 10', historySize: 10, ...ctx.trigger }));
		const sequence = await distinctEvents(15, { prefix: 'evt_history', type: 'workflow_run.failed' });
		const deliveries = [...sequence, ...[sequence[0], sequence[14]].map((e) => ({ ...e, msgId: `${e.msgId}_again` }))];
		const answers = await oneByOne(small, deliveries);
		const runs = await nodeOutcomes(ctx.client, small.id, 'Remove Duplicates');
		const label = (i) => (i < 15 ? `#${i + 1}` : `copy of #${i === 15 ? 1 : 15}`);
		report(
			`Remove Duplicates, History Size 10, 15 events then 2 copies: answers ${JSON.stringify(statusCounts(answers))}; ` +
				runs.map((r, i) => `${label(i)} ${r.status}${r.passed ? ' passed' : ''}`).join(', ') +
				`; errors ${JSON.stringify(tally(runs.filter((r) => r.error).map((r) => r.error)))}`,
		);
		assert.ok(ok(answers), 'every delivery was acknowledged');
		assert.deepEqual(runs.map((r) => r.eventId), deliveries.map((e) => e.eventId), 'one execution per delivery, in order');
	});
});
