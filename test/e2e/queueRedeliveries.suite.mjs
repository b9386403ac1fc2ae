// Queue mode end to end, redeliveries: with two webhook processes, every redelivery of a
// message must reach the process whose redelivery guard remembers its id. The topology of
// tools/harness/queueTopology.mjs (PostgreSQL + Redis + n8n main + two webhook processes + two
// workers) with the real nginx of the proxy suite in front of the webhook processes, routing
// by message id (`hash $http_svix_id$http_webhook_id consistent;`, docs/queue-mode.md).
// The package on every process and the worker kill are test/e2e/queueWorkers.suite.mjs.
//
//   npm run test:e2e:queue     (both queue suites, one after the other)
//   node --test test/e2e/queueRedeliveries.suite.mjs
//
// node --test --test-name-pattern='^redeliveries spread|^Acknowledge' test/e2e/queueRedeliveries.suite.mjs runs only those tests (the tests
// of test/e2e/queueWorkers.suite.mjs are 1a–2 and 4a–4b). Needs `postgresql`, `redis-server` and
// `nginx` from Debian, as throwaway processes.
import assert from 'node:assert/strict';
import { describe } from 'node:test';

import { distinctEvents, sendEvent, svixHeaders } from '../../tools/harness/signedEvents.mjs';
import { copiesOf, exactlyOnceReport, exactlyOnceWorkflow, psql, setUpEventsDatabase, startAlertReceiver } from '../../tools/harness/exactlyOnce.mjs';
import { deliverLikeSvix, sendEvents } from '../../tools/harness/load.mjs';
import { nodeOutput } from '../../tools/harness/n8n.mjs';
import { log, waitFor } from '../../tools/harness/process.mjs';
import { createActiveWorkflow, executionsByWorker, proxiedRequests } from '../../tools/harness/queueTopology.mjs';
import {
	countByEvent,
	enqueuedBy,
	eventIdOf,
	executionIdSet,
	freshExecutions,
	newExecutions,
	queueSuiteHooks,
	queueTest,
	sigkillWorker,
} from '../../tools/harness/queueSuite.mjs';
import { N8N_VERSION } from '../../tools/harness/runtime.mjs';
import { chainWorkflow, noOpWorkflow, removeDuplicatesWorkflow, webhookUrl } from '../../tools/harness/workflows.mjs';

// An odd number of messages, and every other round of copies in reverse order: a balancer
// that ignores the id (round robin) then sends each copy to the other process.
const MESSAGES = 21;
const COPIES = 3;
// How long the workflow with Acknowledge "When the Workflow Finishes" runs.
const RUN_SECONDS = 4;
// 3e: events, copies of each (distinct svix-ids: the same event reaching both webhook processes),
// the alert endpoint's time per call (it applies a call when it answers), and the alerts after
// which the worker of the next call is killed while that call waits (between claim and side
// effect). The lease is the example's 2 minutes scaled to 30 s, and Svix's second retry delay
// alike, 5 min to 75 s (lease / second delay 0.4, as 2 min / 5 min); the 15 s give-up and the 5 s
// first retry stay Svix's. So, as in production, a dead run's lease is still held at the first
// retry (15 s + 5 s < 30 s) and has expired at the second.
const EXACTLY_ONCE = { events: 60, copies: 2, killAfterAlerts: 20, alertMs: 1000, leaseSeconds: 30, timeoutMs: 15_000, delaysMs: [5_000, 75_000] };

const ctx = { numbers: {} };

/** Anon Trigger with Acknowledge "When the Workflow Finishes" → Wait RUN_SECONDS (a slow run). */
function slowRunWorkflow(trigger) {
	const workflow = noOpWorkflow({ ...trigger, name: 'queue: acknowledge when finished', options: { acknowledge: 'lastNode' } });
	const [triggerNode, noOp] = workflow.nodes;
	const wait = {
		...noOp,
		name: 'Wait',
		type: 'n8n-nodes-base.wait',
		typeVersion: 1.1,
		parameters: { resume: 'timeInterval', amount: RUN_SECONDS, unit: 'seconds' },
	};
	return chainWorkflow(workflow.name, [triggerNode, wait]);
}

/** The answer's status and the trigger's status word: "200 accepted". */
const answerOf = (result) => `${result.status} ${/"status":"(\w+)"/.exec(result.body)?.[1] ?? ''}`.trim();

const seconds = (ms) => +(ms / 1000).toFixed(1);

/** How many of `values` are each value: { '200 accepted': 21 }. */
const tally = (values) => values.reduce((counts, value) => ({ ...counts, [value]: (counts[value] ?? 0) + 1 }), {});

/** The webhook processes nginx sent each message id to (svix-id or webhook-id), from its log. */
function processesById(requests) {
	const byId = new Map();
	for (const { svixId, webhookId, webhook } of requests) {
		const id = svixId || webhookId;
		if (!id) continue;
		byId.set(id, new Set([...(byId.get(id) ?? []), webhook]));
	}
	return byId;
}

/** Svix's headers under their Standard Webhooks names (webhook-id, -timestamp, -signature). */
const standardWebhooksHeaders = (headers) =>
	Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.replace(/^svix-/, 'webhook-'), value]));

describe(`queue mode in n8n ${N8N_VERSION}: redeliveries through nginx routing by message id`, () => {
	queueSuiteHooks(ctx, {
		async setUp() {
			log(`QUEUE E2E (redeliveries): n8n ${N8N_VERSION}, queue mode (main + 2 webhook processes behind nginx + 2 workers)`);
			const { trigger } = ctx.q;
			ctx.workflows = {
				all: await createActiveWorkflow(ctx.q, noOpWorkflow({ ...trigger, name: 'queue: all events' })),
				dedupe: await createActiveWorkflow(ctx.q, removeDuplicatesWorkflow({ ...trigger, name: 'queue: remove duplicates' })),
				slow: await createActiveWorkflow(ctx.q, slowRunWorkflow(trigger)),
			};
		},
		numbers: () => ctx.numbers,
	});

	queueTest(`redeliveries spread over both webhook processes: ${MESSAGES} messages × ${COPIES} deliveries through nginx → each runs once, 0 doubled`, async () => {
		const workflow = ctx.workflows.all;
		const before = await executionIdSet(ctx.q, workflow);
		const enqueuedBefore = await Promise.all(ctx.q.webhooks.map(enqueuedBy));
		const proxiedBefore = (await proxiedRequests(ctx.q)).length;
		const events = await distinctEvents(MESSAGES, { prefix: 'evt_redelivered', type: 'job_run.failed' });
		const rounds = [];
		for (let copy = 0; copy < COPIES; copy++) {
			// Each round re-signs every message (Svix's retry: same svix-id, new timestamp).
			const { results } = await sendEvents(copy % 2 ? [...events].reverse() : events, {
				url: webhookUrl(ctx.q.proxy.url, workflow),
				secret: ctx.q.secret,
				concurrency: 4,
			});
			rounds.push(tally(results.map(answerOf)));
		}
		await ctx.q.client.finishedExecutions(workflow.id, before.size + MESSAGES);
		// A doubled message would add executions a moment later: let them appear.
		await ctx.q.client.settledExecutionCounts([workflow.id]);
		const fresh = await freshExecutions(ctx.q, workflow, before);
		const doubled = [...countByEvent(fresh)].filter(([, n]) => n > 1);
		const proxied = (await proxiedRequests(ctx.q)).slice(proxiedBefore);
		const byId = processesById(proxied);
		const redeliveriesPerProcess = ctx.q.webhooks.map(
			(webhook) => proxied.filter((entry) => entry.webhook === webhook.name).length - [...byId.values()].filter((set) => set.has(webhook.name)).length,
		);
		const enqueuedPerProcess = await Promise.all(
			ctx.q.webhooks.map(async (webhook, i) => [...(await enqueuedBy(webhook))].filter((id) => !enqueuedBefore[i].has(id)).length),
		);
		ctx.numbers.redeliveries = {
			messages: MESSAGES,
			deliveriesEach: COPIES,
			answersPerRound: rounds,
			executions: fresh.length,
			doubled: doubled.length,
			redeliveriesPerProcess,
			enqueuedPerProcess,
		};
		log(`  ${JSON.stringify(ctx.numbers.redeliveries)}`);
		assert.deepEqual(rounds[0], { '200 accepted': MESSAGES }, 'first deliveries');
		for (const round of rounds.slice(1)) assert.deepEqual(round, { '200 duplicate': MESSAGES }, 'redeliveries');
		assert.equal(proxied.length, MESSAGES * COPIES, 'every delivery went through nginx');
		assert.deepEqual([...byId].filter(([, set]) => set.size !== 1), [], 'every message on one webhook process');
		assert.ok(redeliveriesPerProcess.every((n) => n > 0), `redeliveries reached both processes: ${redeliveriesPerProcess}`);
		assert.ok(enqueuedPerProcess.every((n) => n > 0), `both processes enqueued executions: ${enqueuedPerProcess}`);
		assert.equal(doubled.length, 0, `messages executed more than once: ${JSON.stringify(doubled.slice(0, 3))}`);
		assert.equal(fresh.length, MESSAGES);
	});

	queueTest('the same message id always reaches the same webhook process: svix-id, and webhook-id (Standard Webhooks headers)', async () => {
		const workflow = ctx.workflows.all;
		const url = webhookUrl(ctx.q.proxy.url, workflow);
		const before = await executionIdSet(ctx.q, workflow);
		const proxiedBefore = (await proxiedRequests(ctx.q)).length;
		const result = {};
		for (const names of ['svix', 'webhook']) {
			// 16 messages: the chance that all hash to one of two processes is 2 in 65,536.
			const events = await distinctEvents(16, { prefix: `evt_routed_${names}`, type: 'link.opened' });
			const answers = events.map(() => []);
			for (let copy = 0; copy < COPIES; copy++) {
				for (const [i, { body, msgId }] of events.entries()) {
					const headers = svixHeaders({ secret: ctx.q.secret, body, msgId, timestamp: new Date(Date.now() + copy * 1000) });
					const answer = await sendEvent(url, { body, headers: names === 'svix' ? headers : standardWebhooksHeaders(headers) });
					answers[i].push(`${answer.status} ${answer.body.status}`);
				}
			}
			const proxied = (await proxiedRequests(ctx.q)).slice(proxiedBefore);
			const byId = processesById(proxied.filter((entry) => (names === 'svix' ? entry.svixId : entry.webhookId && !entry.svixId)));
			const ids = events.map((event) => event.msgId);
			result[names] = {
				routedBy: `${names}-id`,
				processesPerMessage: tally(ids.map((id) => [...(byId.get(id) ?? [])].join('+') || 'none')),
				answers: tally(answers.map((list) => list.join(' → '))),
			};
			assert.ok(ids.every((id) => byId.get(id)?.size === 1), `${names}-id: each message on one process: ${JSON.stringify(result[names].processesPerMessage)}`);
			assert.equal(new Set(ids.map((id) => [...byId.get(id)][0])).size, 2, `${names}-id: messages spread over both processes`);
			assert.deepEqual(result[names].answers, { [['200 accepted', ...Array(COPIES - 1).fill('200 duplicate')].join(' → ')]: 16 });
		}
		ctx.numbers.routing = result;
		log(`  ${JSON.stringify(result)}`);
		await ctx.q.client.finishedExecutions(workflow.id, before.size + 32);
		await ctx.q.client.settledExecutionCounts([workflow.id]);
		assert.equal((await freshExecutions(ctx.q, workflow, before)).length, 32, 'one execution per message');
	});

	/**
	 * What nginx prevents, for when it happens anyway (the message's process restarted and forgot
	 * it, or was down and nginx passed the redelivery to the next one): one event to webhook-1,
	 * the same svix-id again to webhook-1 (its guard: "duplicate"), then straight to webhook-2
	 * (its guard has not seen it). Returns the three answers.
	 */
	async function redeliverAcrossProcesses(workflow, type, msgId) {
		const [first, second] = ctx.q.webhooks;
		const send = (webhook, offsetMs) =>
			sendEvent(webhookUrl(webhook.baseUrl, workflow), {
				type,
				secret: ctx.q.secret,
				msgId,
				// Svix re-signs each attempt with a new timestamp; the id stays.
				timestamp: new Date(Date.now() + offsetMs),
			});
		const before = await executionIdSet(ctx.q, workflow);
		const original = await send(first, 0);
		await newExecutions(ctx.q, workflow, before, 1);
		const sameProcess = await send(first, 1000);
		const otherProcess = await send(second, 2000);
		return { original, sameProcess, otherProcess, before };
	}

	queueTest('a redelivery on another process anyway (restart, failover): with Remove Duplicates after the trigger the second execution passes no item on', async () => {
		const workflow = ctx.workflows.dedupe;
		const msgId = `msg_q_dedupe_${Date.now()}`;
		const { original, sameProcess, otherProcess, before } = await redeliverAcrossProcesses(workflow, 'job_run.failed', msgId);
		assert.equal(original.body.status, 'accepted');
		assert.equal(sameProcess.body.status, 'duplicate', 'same process: its guard answers duplicate');
		assert.equal(otherProcess.body.status, 'accepted', 'other process: its guard has not seen the message');
		const fresh = (await newExecutions(ctx.q, workflow, before, 2)).sort((a, b) => Number(a.id) - Number(b.id));
		assert.ok(fresh.every((e) => e.status === 'success'), `statuses: ${fresh.map((e) => e.status)}`);
		assert.ok(fresh.every((e) => eventIdOf(e) === eventIdOf(fresh[0])), 'both executions carry the same event');
		const passed = fresh.map((e) => nodeOutput(e, 'Remove Duplicates')?.length ?? 0);
		const downstreamRuns = fresh.filter((e) => e.data?.resultData?.runData?.Downstream).length;
		ctx.numbers.removeDuplicates = { executions: fresh.length, itemsPassedByRemoveDuplicates: passed, downstreamRuns };
		log(`  ${JSON.stringify(ctx.numbers.removeDuplicates)}`);
		assert.deepEqual(passed, [1, 0], 'first execution passes the item, the redelivery none');
		assert.equal(downstreamRuns, 1, 'the node after Remove Duplicates ran once overall');
	});

	queueTest(`Acknowledge "When the Workflow Finishes" through nginx: 200 only after the ${RUN_SECONDS} s run (a copy during it 409), then a redelivery 200 duplicate`, async () => {
		const workflow = ctx.workflows.slow;
		const url = webhookUrl(ctx.q.proxy.url, workflow);
		const before = await executionIdSet(ctx.q, workflow);
		const [event] = await distinctEvents(1, { prefix: 'evt_when_finished', type: 'workflow_run.failed' });
		const deliver = (offsetMs = 0) =>
			sendEvent(url, { body: event.body, msgId: event.msgId, secret: ctx.q.secret, timestamp: new Date(Date.now() + offsetMs) });
		const sentAt = Date.now();
		let answeredAt = null;
		const original = deliver().then((answer) => ((answeredAt = Date.now()), answer));
		// Once its execution exists the message is claimed: a copy now is told to retry later.
		const [running] = await waitFor(
			async () => {
				const fresh = (await ctx.q.client.executions(workflow.id, { includeData: false })).filter((e) => !before.has(String(e.id)));
				return fresh.length ? fresh : null;
			},
			{ what: 'the execution of the first delivery', timeoutMs: 30_000, intervalMs: 100 },
		);
		const duringRun = answeredAt === null ? await deliver(1000) : null;
		const first = await original;
		const [execution] = await newExecutions(ctx.q, workflow, before, 1);
		const stoppedAt = Date.parse(execution.stoppedAt);
		const redelivery = await deliver(2000);
		await ctx.q.client.settledExecutionCounts([workflow.id]);
		const fresh = await freshExecutions(ctx.q, workflow, before);
		const served = processesById((await proxiedRequests(ctx.q)).filter((entry) => entry.svixId === event.msgId)).get(event.msgId);
		ctx.numbers.whenFinished = {
			runStatus: running.status,
			answer: `${first.status} ${JSON.stringify(first.body)}`,
			answeredAfterSeconds: +((answeredAt - sentAt) / 1000).toFixed(1),
			executionStoppedBeforeAnswerMs: answeredAt - stoppedAt,
			copyDuringRun: duringRun && `${duringRun.status} ${duringRun.body.status}`,
			redelivery: `${redelivery.status} ${redelivery.body.status}`,
			executions: fresh.length,
			servedBy: [...(served ?? [])],
		};
		log(`  ${JSON.stringify(ctx.numbers.whenFinished)}`);
		assert.equal(first.status, 200, JSON.stringify(first.body));
		assert.ok(!JSON.stringify(first.body).includes(event.eventId), 'the answer carries no workflow data');
		assert.equal(execution.status, 'success');
		assert.ok(answeredAt - sentAt >= RUN_SECONDS * 1000, `answered after ${answeredAt - sentAt} ms, before the ${RUN_SECONDS} s run could end`);
		// Same machine, same clock: the execution had finished when its answer arrived.
		assert.ok(stoppedAt <= answeredAt, `execution stopped at ${execution.stoppedAt}, answered at ${new Date(answeredAt).toISOString()}`);
		assert.ok(duringRun, 'a copy was sent during the run');
		assert.deepEqual([duringRun.status, duringRun.body.reason], [409, 'delivery_in_progress'], 'a copy during the run');
		assert.deepEqual([redelivery.status, redelivery.body.status], [200, 'duplicate'], 'a redelivery after the run');
		assert.equal(fresh.length, 1, 'one execution');
		assert.equal(served?.size, 1, 'all three deliveries on one webhook process');
	});

	queueTest(`exactly once with examples/anon-exactly-once-postgres.json: ${EXACTLY_ONCE.events} events × ${EXACTLY_ONCE.copies} copies through both webhook processes at Anon's retry budget, a worker SIGKILLed mid-stream → 0 lost, 0 doubled outside the one window`, async () => {
		const { events: count, copies, killAfterAlerts, alertMs, leaseSeconds, timeoutMs, delaysMs } = EXACTLY_ONCE;
		const t0 = Date.now();
		let kill = null;
		const receiver = await startAlertReceiver({
			answerAfterMs: alertMs,
			// Once `killAfterAlerts` alerts are applied, the next call's worker is killed while the
			// call waits: its run dies holding its claim, before its side effect.
			onCall: ({ executionId }) => {
				if (kill || receiver.calls.length < killAfterAlerts) return;
				kill = (async () => {
					const byWorker = await executionsByWorker(ctx.q);
					const victim = ctx.q.workers.find((worker) => byWorker[worker.name]?.has(executionId));
					if (!victim) return (kill = null); // not in a log yet: the next call
					const at = Date.now();
					const died = await sigkillWorker(victim);
					log(`  SIGKILLed ${victim.name} during execution ${executionId}'s alert, ${seconds(at - t0)} s in; ${died.size} execution(s) died with it`);
					return { victim: victim.name, atSeconds: seconds(at - t0), executionsThatDied: died.size };
				})();
			},
		});
		try {
			const postgres = await setUpEventsDatabase(ctx.q);
			const workflow = await createActiveWorkflow(
				ctx.q,
				await exactlyOnceWorkflow({ trigger: ctx.q.trigger, postgres, alertUrl: receiver.url, leaseSeconds }),
			);
			const events = await distinctEvents(count, { prefix: 'evt_exactly_once', type: 'workflow_run.failed' });
			const sendStart = Date.now();
			const outcomes = await deliverLikeSvix(webhookUrl(ctx.q.proxy.url, workflow), copiesOf(events, copies), {
				secret: ctx.q.secret,
				concurrency: 8,
				timeoutMs,
				delaysMs,
			});
			const deliveredAfter = Date.now() - sendStart;
			const killed = await kill;
			await ctx.q.client.settledExecutionCounts([workflow.id]);
			await ctx.q.client.finishedExecutions(workflow.id, 0, { timeoutMs: 120_000, intervalMs: 1000 });
			const executions = await ctx.q.client.executions(workflow.id);
			const report = exactlyOnceReport({ events, outcomes, receiver, executions, leaseMs: leaseSeconds * 1000 });
			const [done, rows] = (await psql(ctx.q, "SELECT count(done_at), count(*) FROM anon_events WHERE event_id LIKE 'evt_exactly_once%'")).split('|').map(Number);
			ctx.numbers.exactlyOnce = {
				events: count,
				copies,
				leaseSeconds,
				svix: { timeoutMs, delaysMs, retries: 2 },
				alertMs,
				kill: killed,
				...report,
				rowsDone: `${done} of ${rows}`,
				seconds: { deliveries: seconds(deliveredAfter), lastAlert: seconds(Math.max(...receiver.calls.map((c) => c.at)) - sendStart) },
			};
			log(`  ${JSON.stringify(ctx.numbers.exactlyOnce)}`);
			assert.ok(killed?.executionsThatDied > 0, 'the kill cut executions mid-way');
			assert.ok(report.claimOutcomes.held > 0, 'copies overlapped: some runs found the event held');
			assert.ok(report.abandonedCalls > 0 && report.alertedAfterTheLease > 0, 'a run killed holding its claim was taken over after the lease');
			assert.deepEqual(report.lost, [], 'events without an alert');
			assert.deepEqual(report.doubledOutsideWindow, [], 'events alerted by two runs that both lived');
			assert.ok(report.doubled.length <= killed.executionsThatDied, `repeats (${report.doubled.length}) beyond the runs the kill cut`);
			assert.equal(report.callsWithoutTheEventIdAsKey, 0, 'every alert carries the event id as Idempotency-Key');
			assert.deepEqual([done, rows], [count, count], 'every event marked done');
		} finally {
			await receiver.close();
		}
	});
});
