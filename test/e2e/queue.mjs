// End-to-end suite for n8n's queue mode (issue 7): PostgreSQL + Redis + n8n main + two
// webhook processors + two workers (test/harness/queue.mjs), the package installed on every
// process as n8n's community installer would, Svix-signed requests through a round-robin
// load balancer or straight at one processor.
//
//   npm run test:e2e:queue     (node --test test/e2e/queue.mjs; ANON_SKIP_BUILD=1 packs dist/ as is)
//
// QUEUE_E2E_EVENTS and QUEUE_E2E_KILL_EVENTS size tests 2 and 4a (200 and 300);
// QUEUE_E2E_ONLY=4a,4b runs only the tests whose names start with those prefixes.
// Needs `postgresql` (15) and `redis-server` (7) from Debian; they run as throwaway processes.
// Everything is stopped at the end, also on failure or Ctrl-C; the data folder is kept (path
// printed) after a red run, for the process logs. The tests share one topology and run in order.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, test as nodeTest } from 'node:test';

import { EVENT_TYPES, distinctEvents, expectedItem, newSigningSecret, sendEvent } from '../harness/events.mjs';
import { sendEvents } from '../harness/load.mjs';
import { isFinished, nodeOutput } from '../harness/n8n.mjs';
import { log, onInterrupt, waitFor } from '../harness/process.mjs';
import { createActiveWorkflow, executionsByWorker, startQueueTopology } from '../harness/queue.mjs';
import { N8N_VERSION } from '../harness/runtime.mjs';
import { suiteHooks } from '../harness/suite.mjs';
import { TRIGGER_NODE_NAME, noOpWorkflow, webhookUrl } from '../harness/workflows.mjs';

const SPREAD_EVENTS = Number(process.env.QUEUE_E2E_EVENTS || 200);
const KILL_EVENTS = Number(process.env.QUEUE_E2E_KILL_EVENTS || 300);

const ctx = { numbers: {} };

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/**
 * Event id of an execution: from the trigger's output once a worker ran it, else from the
 * execution's start data (in queue mode the webhook processor stores the trigger's item as
 * the first entry of the node execution stack; a worker that dies leaves it there).
 */
function eventIdOf(execution) {
	const ran = nodeOutput(execution, TRIGGER_NODE_NAME)?.[0]?.event?.id;
	const queued = execution?.data?.executionData?.nodeExecutionStack?.[0]?.data?.main?.[0]?.[0]?.json?.event?.id;
	return ran ?? queued ?? null;
}

/** Executions (with data) of a workflow that are not in `before` (a Set of ids). */
async function freshExecutions(workflow, before) {
	const all = await ctx.q.client.executions(workflow.id);
	return all.filter((execution) => !before.has(String(execution.id)));
}

async function executionIdSet(workflow) {
	return new Set((await ctx.q.client.executions(workflow.id, { includeData: false })).map((execution) => String(execution.id)));
}

/** Waits until exactly `count` new executions exist and all have finished; returns them with data. */
async function newExecutions(workflow, before, count, timeoutMs = 60_000) {
	await waitFor(
		async () => {
			const fresh = (await ctx.q.client.executions(workflow.id, { includeData: false })).filter((e) => !before.has(String(e.id)));
			assert.ok(fresh.length <= count, `expected ${count} new execution(s), found ${fresh.length}`);
			return fresh.length === count && fresh.every((e) => isFinished(e));
		},
		{ timeoutMs, what: `${count} new execution(s) of "${workflow.name}"` },
	);
	return freshExecutions(workflow, before);
}

/** Execution ids a webhook processor's log says it enqueued ("Enqueued execution N"). */
async function enqueuedBy(webhook) {
	const text = await fs.readFile(webhook.logFile, 'utf8');
	return new Set([...text.matchAll(/Enqueued execution (\d+)/g)].map((match) => match[1]));
}

/** Count of executions per event id. */
function countByEvent(executions, filter = () => true) {
	const counts = new Map();
	for (const execution of executions.filter(filter)) {
		const id = eventIdOf(execution);
		counts.set(id, (counts.get(id) ?? 0) + 1);
	}
	return counts;
}

/**
 * The README's remedy for exactly-once across processes: Anon Trigger → Remove Duplicates
 * ("Remove Items Processed in Previous Executions", value {{ $json.event.id }}, scope
 * workflow; it keeps the seen values in n8n's database) → Downstream (No Operation).
 */
function removeDuplicatesWorkflow(trigger) {
	const workflow = noOpWorkflow({ ...trigger, name: 'queue: remove duplicates' });
	const [triggerNode, downstream] = workflow.nodes;
	downstream.name = 'Downstream';
	downstream.position = [480, 0];
	const dedupe = {
		id: randomUUID(),
		name: 'Remove Duplicates',
		type: 'n8n-nodes-base.removeDuplicates',
		typeVersion: 2,
		position: [240, 0],
		parameters: {
			operation: 'removeItemsSeenInPreviousExecutions',
			logic: 'removeItemsWithAlreadySeenKeyValues',
			dedupeValue: '={{ $json.event.id }}',
			options: { scope: 'workflow' },
		},
	};
	return {
		name: workflow.name,
		nodes: [triggerNode, dedupe, downstream],
		connections: {
			[TRIGGER_NODE_NAME]: { main: [[{ node: 'Remove Duplicates', type: 'main', index: 0 }]] },
			'Remove Duplicates': { main: [[{ node: 'Downstream', type: 'main', index: 0 }]] },
		},
	};
}

// The worker-kill tests wait for Bull's stalled-job check and then for every execution.
const TEST_TIMEOUT_MS = 10 * 60_000;
const only = process.env.QUEUE_E2E_ONLY?.split(',').filter(Boolean);
const test = (name, fn) =>
	nodeTest(name, { timeout: TEST_TIMEOUT_MS, skip: only && !only.some((prefix) => name.startsWith(prefix)) }, fn);

/** Stops everything; keeps the data folder after a red run; prints the numbers. */
async function tearDown({ ok }) {
	const dir = ctx.q?.dir;
	await ctx.q?.stop({ keepDir: !ok });
	if (!ok && dir) log(`queue data kept for inspection: ${dir} (logs: ${path.join(dir, '*', '*.log')})`);
	const n = ctx.numbers;
	log(
		`QUEUE E2E NUMBERS: ${JSON.stringify({
			spread: n.spread && { sent: n.spread.sent, executed: n.spread.executions, duplicated: n.spread.duplicated },
			redelivery: n.redelivery && {
				sent: n.redelivery.sent,
				executed: n.redelivery.executions,
				duplicatedAcrossProcessors: n.redelivery.executions - 1,
			},
			removeDuplicates: n.removeDuplicates,
			workerKill: n.workerKill && {
				sent: n.workerKill.sent,
				executions: n.workerKill.executions,
				diedWithWorker: n.workerKill.eventsWithoutSuccess.length,
				n8nRetrySucceeded: n.workerKill.recovery?.n8nRetry.succeeded,
				lostAfterReplay: n.workerKill.recovery?.eventsWithoutSuccessAtEnd,
				duplicated: n.workerKill.recovery?.eventsSucceededTwice,
			},
		})}`,
	);
}

describe(`queue mode in n8n ${N8N_VERSION} (main + 2 webhook processors + 2 workers)`, () => {
	suiteHooks({
		async setUp() {
			log(`QUEUE E2E: n8n ${N8N_VERSION}, queue mode (main + 2 webhook processors + 2 workers)`);
			onInterrupt(() => ctx.q?.stop());
			ctx.q = await startQueueTopology();
			const { trigger } = ctx.q;
			ctx.workflows = {
				all: await createActiveWorkflow(ctx.q, noOpWorkflow({ ...trigger, name: 'queue: all events' })),
				dedupe: await createActiveWorkflow(ctx.q, removeDuplicatesWorkflow(trigger)),
			};
		},
		tearDown,
	});


	test('1a. the package loads on main and on both webhook processors', async () => {
		// Main: the node type is registered (the editor lists it).
		const nodeTypes = await ctx.q.client.call('POST', '/rest/node-types', {
			auth: 'cookie',
			body: { nodeInfos: [{ name: 'n8n-nodes-anon.anonTrigger', version: 1.1 }] },
		});
		assert.equal((nodeTypes.data ?? nodeTypes).length, 1, 'main: anonTrigger not registered');
		// Webhook processors: the trigger's own code answers (401 with its JSON), not n8n.
		for (const webhook of ctx.q.webhooks) {
			const response = await sendEvent(webhookUrl(webhook.baseUrl, ctx.workflows.all), {
				body: '{}',
				headers: {},
			});
			assert.equal(response.status, 401, `${webhook.name}: ${JSON.stringify(response.body)}`);
			assert.equal(response.body.reason, 'missing_headers', webhook.name);
		}
	});

	test('1b. every example event through each webhook processor → one execution with the documented item', async () => {
		const workflow = ctx.workflows.all;
		for (const webhook of ctx.q.webhooks) {
			for (const type of EVENT_TYPES) {
				const before = await executionIdSet(workflow);
				const response = await sendEvent(webhookUrl(webhook.baseUrl, workflow), { type, secret: ctx.q.secret });
				assert.equal(response.status, 200, `${webhook.name} ${type}: ${JSON.stringify(response.body)}`);
				assert.equal(response.body.status, 'accepted', `${webhook.name} ${type}`);
				const [execution] = await newExecutions(workflow, before, 1);
				assert.equal(execution.status, 'success', `${webhook.name} ${type}: status`);
				assert.equal(execution.mode, 'webhook');
				assert.deepEqual(nodeOutput(execution, TRIGGER_NODE_NAME), [await expectedItem(type)], `${webhook.name} ${type}`);
				assert.ok((await enqueuedBy(webhook)).has(String(execution.id)), `${webhook.name} did not enqueue ${execution.id}`);
			}
		}
	});

	test('1c. the package loads on both workers (each ran executions that succeeded)', async () => {
		// Bull hands a job to whichever worker asks first: send more events until both have run
		// one (an unknown node type would fail the execution on that worker).
		const workflow = ctx.workflows.all;
		const url = webhookUrl(ctx.q.lb.url, workflow);
		for (let attempt = 0; attempt < 40; attempt++) {
			const byWorker = await executionsByWorker(ctx.q);
			if (Object.values(byWorker).every((ids) => ids.size > 0)) break;
			const before = await executionIdSet(workflow);
			await sendEvent(url, { type: 'link.opened', secret: ctx.q.secret });
			await newExecutions(workflow, before, 1);
		}
		const byWorker = await executionsByWorker(ctx.q);
		const statuses = new Map((await ctx.q.client.executions(workflow.id, { includeData: false })).map((e) => [String(e.id), e.status]));
		for (const [name, ids] of Object.entries(byWorker)) {
			const succeeded = [...ids].filter((id) => statuses.get(id) === 'success');
			assert.ok(succeeded.length > 0, `${name} ran no successful execution (${ids.size} started)`);
			log(`  ${name}: ${succeeded.length} successful execution(s) so far`);
		}
	});

	test('1d. a bad signature → 401 on each webhook processor, no execution', async () => {
		const workflow = ctx.workflows.all;
		const before = await executionIdSet(workflow);
		for (const webhook of ctx.q.webhooks) {
			const response = await sendEvent(webhookUrl(webhook.baseUrl, workflow), {
				type: 'link.opened',
				secret: newSigningSecret(),
			});
			assert.equal(response.status, 401, `${webhook.name}: ${JSON.stringify(response.body)}`);
			assert.equal(response.body.reason, 'no_matching_signature');
		}
		// A valid event after them must be the only new execution. Two processors and two
		// workers do not keep order, so also check a little later that nothing else arrived.
		await sendEvent(webhookUrl(ctx.q.lb.url, workflow), { type: 'link.closed', secret: ctx.q.secret });
		const [execution] = await newExecutions(workflow, before, 1);
		assert.equal(eventIdOf(execution), (await expectedItem('link.closed')).event.id);
		await new Promise((resolve) => setTimeout(resolve, 2000));
		assert.equal((await freshExecutions(workflow, before)).length, 1, 'a rejected request created an execution');
	});

	test(`2. ${SPREAD_EVENTS} events across both webhook processors → each executed exactly once`, async () => {
		const workflow = ctx.workflows.all;
		const before = await executionIdSet(workflow);
		const lbBefore = [...ctx.q.lb.counts];
		const events = await distinctEvents(SPREAD_EVENTS, { prefix: 'evt_spread' });
		const { results, wallMs } = await sendEvents(events, {
			url: webhookUrl(ctx.q.lb.url, workflow),
			secret: ctx.q.secret,
			concurrency: 16,
		});
		const notAccepted = results.filter((r) => r.status !== 200 || !r.body.includes('"accepted"'));
		assert.equal(notAccepted.length, 0, `not accepted: ${JSON.stringify(notAccepted.slice(0, 3))}`);
		const perProcessor = ctx.q.lb.counts.map((count, i) => count - lbBefore[i]);
		await ctx.q.client.finishedExecutions(workflow.id, before.size + SPREAD_EVENTS);
		const fresh = await freshExecutions(workflow, before);
		const counts = countByEvent(fresh);
		const missing = events.filter((e) => !counts.has(e.eventId)).map((e) => e.eventId);
		const twice = [...counts].filter(([, n]) => n > 1);
		const failed = fresh.filter((e) => e.status !== 'success');
		ctx.numbers.spread = {
			sent: SPREAD_EVENTS,
			accepted: results.length - notAccepted.length,
			executions: fresh.length,
			successful: fresh.length - failed.length,
			duplicated: twice.length,
			missing: missing.length,
			perWebhookProcessor: perProcessor,
			sendSeconds: +(wallMs / 1000).toFixed(1),
		};
		log(`  ${JSON.stringify(ctx.numbers.spread)}`);
		assert.deepEqual(missing, [], 'events without an execution');
		assert.deepEqual(twice, [], 'events executed more than once');
		assert.equal(failed.length, 0, 'failed executions');
		assert.equal(fresh.length, SPREAD_EVENTS);
		assert.ok(perProcessor.every((n) => n > 0), `both processors must get events: ${perProcessor}`);
	});

	/**
	 * Delivers one event to webhook-1, the same svix-id again to webhook-1 (in-process guard:
	 * "duplicate"), then to webhook-2 (another process: its guard has not seen it). Returns the
	 * three answers.
	 */
	async function redeliverAcrossProcessors(workflow, type, msgId) {
		const [first, second] = ctx.q.webhooks;
		const send = (webhook, offsetMs) =>
			sendEvent(webhookUrl(webhook.baseUrl, workflow), {
				type,
				secret: ctx.q.secret,
				msgId,
				// Svix re-signs each attempt with a new timestamp; the id stays.
				timestamp: new Date(Date.now() + offsetMs),
			});
		const before = await executionIdSet(workflow);
		const original = await send(first, 0);
		await newExecutions(workflow, before, 1);
		const sameProcess = await send(first, 1000);
		const otherProcess = await send(second, 2000);
		return { original, sameProcess, otherProcess, before };
	}

	test('3a. a redelivery landing on the OTHER webhook processor executes a second time (known limit)', async () => {
		const workflow = ctx.workflows.all;
		const msgId = `msg_q_redelivery_${Date.now()}`;
		const { original, sameProcess, otherProcess, before } = await redeliverAcrossProcessors(workflow, 'job_run.failed', msgId);
		assert.equal(original.body.status, 'accepted');
		assert.equal(sameProcess.body.status, 'duplicate', 'same process: the in-memory guard answers duplicate');
		assert.equal(otherProcess.status, 200);
		const fresh = await newExecutions(workflow, before, otherProcess.body.status === 'accepted' ? 2 : 1);
		ctx.numbers.redelivery = {
			sent: 3,
			sameProcessAnswer: sameProcess.body.status,
			otherProcessAnswer: otherProcess.body.status,
			executions: fresh.length,
		};
		log(`  ${JSON.stringify(ctx.numbers.redelivery)}`);
		// What is documented: the guard is per process, so the copy on webhook-2 runs again.
		assert.equal(otherProcess.body.status, 'accepted', 'other process: the guard cannot see the first delivery');
		assert.equal(fresh.length, 2, 'the same svix-id ran twice across processors');
		assert.ok(fresh.every((e) => eventIdOf(e) === (fresh[0] && eventIdOf(fresh[0]))));
	});

	test('3b. remedy: with Remove Duplicates after the trigger the second execution passes no item on', async () => {
		const workflow = ctx.workflows.dedupe;
		const msgId = `msg_q_dedupe_${Date.now()}`;
		const { sameProcess, otherProcess, before } = await redeliverAcrossProcessors(workflow, 'job_run.failed', msgId);
		assert.equal(sameProcess.body.status, 'duplicate');
		assert.equal(otherProcess.body.status, 'accepted');
		const fresh = (await newExecutions(workflow, before, 2)).sort((a, b) => Number(a.id) - Number(b.id));
		assert.ok(fresh.every((e) => e.status === 'success'), `statuses: ${fresh.map((e) => e.status)}`);
		const passed = fresh.map((e) => nodeOutput(e, 'Remove Duplicates')?.length ?? 0);
		const downstreamRuns = fresh.filter((e) => e.data?.resultData?.runData?.Downstream).length;
		ctx.numbers.removeDuplicates = { executions: fresh.length, itemsPassedByRemoveDuplicates: passed, downstreamRuns };
		log(`  ${JSON.stringify(ctx.numbers.removeDuplicates)}`);
		assert.deepEqual(passed, [1, 0], 'first execution passes the item, the redelivery none');
		assert.equal(downstreamRuns, 1, 'the node after Remove Duplicates ran once overall');
	});

	/** Execution ids a worker's log says it started and never finished. */
	async function unfinishedOn(worker) {
		const text = await fs.readFile(worker.logFile, 'utf8');
		const started = new Set([...text.matchAll(/Worker started execution (\d+)/g)].map((m) => m[1]));
		for (const m of text.matchAll(/Worker finished execution (\d+)/g)) started.delete(m[1]);
		return started;
	}

	test(`4a. SIGKILL one worker while ${KILL_EVENTS} events keep coming → all acknowledged, one execution each; only the killed worker's jobs fail`, async () => {
		const workflow = ctx.workflows.all;
		const before = await executionIdSet(workflow);
		const events = (ctx.killEvents = await distinctEvents(KILL_EVENTS, { prefix: 'evt_kill' }));
		const victim = ctx.q.workers[1];
		let killedAt = null;
		// Slower than the bench (concurrency 4) so the stream outlasts the kill comfortably.
		const { results } = await sendEvents(events, {
			url: webhookUrl(ctx.q.lb.url, workflow),
			secret: ctx.q.secret,
			concurrency: 4,
			onProgress: (done) => {
				if (killedAt !== null || done < Math.floor(KILL_EVENTS / 3)) return;
				killedAt = done;
				process.kill(-victim.pid, 'SIGKILL'); // the worker and its task runner, no clean-up
				log(`  SIGKILLed ${victim.name} (pid ${victim.pid}) after ${done} answers`);
			},
		});
		await victim.exited;
		assert.ok(killedAt !== null, 'the worker was not killed');
		// Svix retries any answer that is not 2xx (or none within 15 s) with the same svix-id;
		// do the same, so a request refused during the kill is counted, not lost.
		const firstAnswers = results.map((r) => r.status);
		for (let attempt = 0; attempt < 3; attempt++) {
			const again = results.map((r, i) => [r, i]).filter(([r]) => r.status !== 200);
			if (!again.length) break;
			const { results: retried } = await sendEvents(
				again.map(([, i]) => events[i]),
				{ url: webhookUrl(ctx.q.lb.url, workflow), secret: ctx.q.secret, concurrency: 4 },
			);
			again.forEach(([, i], k) => (results[i] = retried[k]));
		}
		const resentBySender = firstAnswers.filter((status) => status !== 200);
		// Its log is complete now: what it had started and not finished died with it.
		const heldByVictim = await unfinishedOn(victim);
		const notAccepted = results.filter((r) => r.status !== 200);
		// A job the victim held stays "active" in Redis until its lock expires
		// (QUEUE_WORKER_LOCK_DURATION); Bull's stalled check then fails it (n8n sets
		// maxStalledCount 0: never re-run, it may have half-run) and the process that enqueued it
		// marks the execution failed. Wait for every execution to reach a final state.
		const t0 = Date.now();
		await ctx.q.client.finishedExecutions(workflow.id, before.size + KILL_EVENTS, { timeoutMs: 180_000, intervalMs: 2000 });
		const settleSeconds = (Date.now() - t0) / 1000;
		const fresh = await freshExecutions(workflow, before);
		const statuses = fresh.reduce((acc, e) => ({ ...acc, [e.status]: (acc[e.status] ?? 0) + 1 }), {});
		const succeeded = countByEvent(fresh, (e) => e.status === 'success');
		const failed = fresh.filter((e) => e.status !== 'success');
		// The events with no successful execution. (A failed execution cannot name its event: when
		// the stalled job fails, n8n overwrites the execution's data with the error, dropping the
		// trigger's item; only Anon's event log still holds those events.)
		const lost = (ctx.killLost = events.filter((e) => !succeeded.has(e.eventId)));
		ctx.killFailed = failed;
		ctx.numbers.workerKill = {
			sent: KILL_EVENTS,
			answered200: KILL_EVENTS - notAccepted.length,
			firstAttemptNot200: resentBySender,
			killedAfterAnswers: killedAt,
			victimHeldUnfinished: [...heldByVictim],
			executions: fresh.length,
			statuses,
			eventsWithoutSuccess: lost.map((e) => e.eventId),
			failedExecutionsKeepTheEvent: failed.filter((e) => eventIdOf(e)).length,
			settleSeconds: +settleSeconds.toFixed(1),
		};
		log(`  ${JSON.stringify(ctx.numbers.workerKill)}`);
		for (const execution of failed) {
			log(`  execution ${execution.id} (${eventIdOf(execution)}): ${execution.status}: ${execution.data?.resultData?.error?.message}`);
		}
		assert.equal(notAccepted.length, 0, `answers other than 200: ${JSON.stringify(notAccepted.slice(0, 3))}`);
		// Nothing vanished at the webhook side: one execution per event, none succeeded twice,
		// and each event without a success is accounted for by one failed execution.
		assert.equal(fresh.length, KILL_EVENTS, 'one execution per event');
		assert.deepEqual([...succeeded].filter(([, n]) => n > 1), [], 'events that succeeded twice');
		assert.equal(lost.length, failed.length, 'events without a success = failed executions');
		// Every failure is a job the dead worker held (started per its log, or fetched just
		// before the kill and not logged yet: then no live worker ever started it).
		const startedBySurvivor = (await executionsByWorker(ctx.q))[ctx.q.workers[0].name];
		for (const execution of failed) {
			const id = String(execution.id);
			assert.ok(heldByVictim.has(id) || !startedBySurvivor.has(id), `execution ${id} failed but was not the killed worker's`);
			assert.match(String(execution.data?.resultData?.error?.message), /failed to be processed too many times/);
		}
		assert.ok(failed.length <= 10, `more failures (${failed.length}) than one worker's concurrency (10)`);
	});

	test('4b. the events whose execution died with the worker are recovered by a replay (same svix-id) → every event succeeded', async () => {
		const workflow = ctx.workflows.all;
		assert.ok(ctx.killLost, 'needs test 4a');
		const failed = ctx.killFailed;
		// n8n's own Retry (public API) first, to report what it does for such executions.
		const before = await executionIdSet(workflow);
		const retryAnswers = [];
		for (const execution of failed) {
			const answer = await ctx.q.client.request('POST', `/api/v1/executions/${execution.id}/retry`, { auth: 'apiKey', body: {} });
			retryAnswers.push(answer.status);
		}
		if (failed.length) await newExecutions(workflow, before, retryAnswers.filter((s) => s === 200).length);
		const afterRetry = await freshExecutions(workflow, before);
		const retrySucceeded = afterRetry.filter((e) => e.status === 'success').length;

		// Anon will not redeliver (it got a 200): replay from Anon's event log, which sends the
		// same svix-id with a new signature. The processor that accepted the original remembers
		// the id (in-process guard) and answers "duplicate" within the Redelivery Window; a
		// replay that lands on the other processor runs. Through the round-robin balancer the
		// second replay click reaches the other one.
		const replayAnswers = [];
		const beforeReplay = await executionIdSet(workflow);
		const recoveredByRetry = new Set(afterRetry.filter((e) => e.status === 'success').map(eventIdOf));
		for (const original of ctx.killLost.filter((e) => !recoveredByRetry.has(e.eventId))) {
			for (let click = 0; click < ctx.q.webhooks.length; click++) {
				const answer = await sendEvent(webhookUrl(ctx.q.lb.url, workflow), {
					body: original.body,
					msgId: original.msgId,
					secret: ctx.q.secret,
				});
				replayAnswers.push(answer.body.status);
				if (answer.body.status === 'accepted') break;
			}
		}
		const replayed = ctx.killLost.length ? await newExecutions(workflow, beforeReplay, replayAnswers.filter((a) => a === 'accepted').length) : [];
		const all = await ctx.q.client.executions(workflow.id);
		const succeeded = countByEvent(all, (e) => e.status === 'success');
		const lost = ctx.killEvents.filter((e) => !succeeded.has(e.eventId)).map((e) => e.eventId);
		const twice = ctx.killEvents.filter((e) => succeeded.get(e.eventId) > 1).map((e) => e.eventId);
		ctx.numbers.workerKill.recovery = {
			n8nRetry: { answers: retryAnswers, succeeded: retrySucceeded },
			replayAnswers,
			replayedExecutions: replayed.map((e) => e.status),
			eventsWithoutSuccessAtEnd: lost.length,
			eventsSucceededTwice: twice.length,
		};
		log(`  ${JSON.stringify(ctx.numbers.workerKill.recovery)}`);
		assert.deepEqual(lost, [], 'events without a successful execution at the end');
		assert.deepEqual(twice, [], 'events that succeeded twice');
	});
});
