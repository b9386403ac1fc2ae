// Queue mode end to end (n8n's scaling mode), the package on every process and the work
// spread over them: PostgreSQL + Redis + n8n main + two webhook processes behind nginx + two
// workers (tools/harness/queueTopology.mjs), the package installed on every process as n8n's
// community installer would, Svix-signed requests through nginx or straight at one webhook
// process; then a worker killed mid-stream. Redeliveries are test/e2e/queueRedeliveries.suite.mjs.
//
//   npm run test:e2e:queue     (both queue suites, one after the other; ANON_SKIP_BUILD=1 packs dist/ as is)
//   node --test test/e2e/queueWorkers.suite.mjs
//
// QUEUE_E2E_EVENTS and QUEUE_E2E_KILL_EVENTS size the spread and SIGKILL tests (200 and 300);
// node --test --test-name-pattern='^SIGKILL|recovered by a replay' test/e2e/queueWorkers.suite.mjs runs only those tests (each suite's
// tests are picked by name the same way); a suite with none of them starts nothing.
// Needs `postgresql` (15), `redis-server` (7) and `nginx` from Debian; they run as throwaway
// processes. Everything is stopped at the end, also on failure or Ctrl-C; the data folder is
// kept (path printed) after a red run, for the process logs. The tests share one topology and
// run in order.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import { describe } from 'node:test';

import { EVENT_TYPES, distinctEvents, expectedItem, newSigningSecret, sendEvent } from '../../tools/harness/signedEvents.mjs';
import { sendEvents } from '../../tools/harness/load.mjs';
import { nodeOutput } from '../../tools/harness/n8n.mjs';
import { log, sleep } from '../../tools/harness/process.mjs';
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
} from '../../tools/harness/queueSuite.mjs';
import { N8N_VERSION } from '../../tools/harness/runtime.mjs';
import { TRIGGER_NODE_NAME, noOpWorkflow, webhookUrl } from '../../tools/harness/workflows.mjs';

const SPREAD_EVENTS = Number(process.env.QUEUE_E2E_EVENTS || 200);
const KILL_EVENTS = Number(process.env.QUEUE_E2E_KILL_EVENTS || 300);
// The worker-kill workflow's Redelivery Window: short, so that the replay in 4b can come after it.
const KILL_WINDOW_MINUTES = 0.5;

const ctx = { numbers: {} };

/** What the suite measured, printed at the end. */
function numbers() {
	const n = ctx.numbers;
	return {
		spread: n.spread && { sent: n.spread.sent, executed: n.spread.executions, duplicated: n.spread.duplicated, perWebhookProcess: n.spread.perWebhookProcess },
		workerKill: n.workerKill && {
			sent: n.workerKill.sent,
			executions: n.workerKill.executions,
			diedWithWorker: n.workerKill.eventsWithoutSuccess.length,
			n8nRetrySucceeded: n.workerKill.recovery?.n8nRetry.succeeded,
			lostAfterReplay: n.workerKill.recovery?.eventsWithoutSuccessAtEnd,
			duplicated: n.workerKill.recovery?.eventsSucceededTwice,
		},
	};
}

describe(`queue mode in n8n ${N8N_VERSION}: the package on every process, work spread, a worker killed`, () => {
	queueSuiteHooks(ctx, {
		async setUp() {
			log(`QUEUE E2E (workers): n8n ${N8N_VERSION}, queue mode (main + 2 webhook processes behind nginx + 2 workers)`);
			const { trigger } = ctx.q;
			ctx.workflows = {
				all: await createActiveWorkflow(ctx.q, noOpWorkflow({ ...trigger, name: 'queue: all events' })),
				kill: await createActiveWorkflow(
					ctx.q,
					noOpWorkflow({ ...trigger, name: 'queue: worker kill', options: { redeliveryWindowMinutes: KILL_WINDOW_MINUTES } }),
				),
			};
		},
		numbers,
	});

	queueTest('the package loads on main and on both webhook processes', async () => {
		// Main: the node type is registered (the editor lists it).
		const descriptions = await ctx.q.client.nodeTypeDescriptions([{ name: 'n8n-nodes-anon.anonTrigger', version: 1.1 }]);
		assert.equal(descriptions.length, 1, 'main: anonTrigger not registered');
		// Webhook processes: the trigger's own code answers (401 with its JSON), not n8n.
		for (const webhook of ctx.q.webhooks) {
			const response = await sendEvent(webhookUrl(webhook.baseUrl, ctx.workflows.all), {
				body: '{}',
				headers: {},
			});
			assert.equal(response.status, 401, `${webhook.name}: ${JSON.stringify(response.body)}`);
			assert.equal(response.body.reason, 'missing_headers', webhook.name);
		}
	});

	queueTest('every example event through each webhook process → one execution with the documented item', async () => {
		const workflow = ctx.workflows.all;
		for (const webhook of ctx.q.webhooks) {
			for (const type of EVENT_TYPES) {
				const before = await executionIdSet(ctx.q, workflow);
				const response = await sendEvent(webhookUrl(webhook.baseUrl, workflow), { type, secret: ctx.q.secret });
				assert.equal(response.status, 200, `${webhook.name} ${type}: ${JSON.stringify(response.body)}`);
				assert.equal(response.body.status, 'accepted', `${webhook.name} ${type}`);
				const [execution] = await newExecutions(ctx.q, workflow, before, 1);
				assert.equal(execution.status, 'success', `${webhook.name} ${type}: status`);
				assert.equal(execution.mode, 'webhook');
				assert.deepEqual(nodeOutput(execution, TRIGGER_NODE_NAME), [await expectedItem(type)], `${webhook.name} ${type}`);
				assert.ok((await enqueuedBy(webhook)).has(String(execution.id)), `${webhook.name} did not enqueue ${execution.id}`);
			}
		}
	});

	queueTest('the package loads on both workers (each ran executions that succeeded)', async () => {
		// Bull hands a job to whichever worker asks first: send more events until both have run
		// one (an unknown node type would fail the execution on that worker).
		const workflow = ctx.workflows.all;
		const url = webhookUrl(ctx.q.proxy.url, workflow);
		for (let attempt = 0; attempt < 40; attempt++) {
			const byWorker = await executionsByWorker(ctx.q);
			if (Object.values(byWorker).every((ids) => ids.size > 0)) break;
			const before = await executionIdSet(ctx.q, workflow);
			await sendEvent(url, { type: 'link.opened', secret: ctx.q.secret });
			await newExecutions(ctx.q, workflow, before, 1);
		}
		const byWorker = await executionsByWorker(ctx.q);
		const statuses = new Map((await ctx.q.client.executions(workflow.id, { includeData: false })).map((e) => [String(e.id), e.status]));
		for (const [name, ids] of Object.entries(byWorker)) {
			const succeeded = [...ids].filter((id) => statuses.get(id) === 'success');
			assert.ok(succeeded.length > 0, `${name} ran no successful execution (${ids.size} started)`);
			log(`  ${name}: ${succeeded.length} successful execution(s) so far`);
		}
	});

	queueTest('a bad signature → 401 on each webhook process, no execution', async () => {
		const workflow = ctx.workflows.all;
		const before = await executionIdSet(ctx.q, workflow);
		for (const webhook of ctx.q.webhooks) {
			const response = await sendEvent(webhookUrl(webhook.baseUrl, workflow), {
				type: 'link.opened',
				secret: newSigningSecret(),
			});
			assert.equal(response.status, 401, `${webhook.name}: ${JSON.stringify(response.body)}`);
			assert.equal(response.body.reason, 'no_matching_signature');
		}
		// A valid event after them must be the only new execution. Two webhook processes and two
		// workers do not keep order, so also check a little later that nothing else arrived.
		await sendEvent(webhookUrl(ctx.q.proxy.url, workflow), { type: 'link.closed', secret: ctx.q.secret });
		const [execution] = await newExecutions(ctx.q, workflow, before, 1);
		assert.equal(eventIdOf(execution), (await expectedItem('link.closed')).event.id);
		await new Promise((resolve) => setTimeout(resolve, 2000));
		assert.equal((await freshExecutions(ctx.q, workflow, before)).length, 1, 'a rejected request created an execution');
	});

	queueTest(`${SPREAD_EVENTS} events across both webhook processes → each executed exactly once`, async () => {
		const workflow = ctx.workflows.all;
		const before = await executionIdSet(ctx.q, workflow);
		const proxiedBefore = (await proxiedRequests(ctx.q)).length;
		const events = await distinctEvents(SPREAD_EVENTS, { prefix: 'evt_spread' });
		const { results, wallMs } = await sendEvents(events, {
			url: webhookUrl(ctx.q.proxy.url, workflow),
			secret: ctx.q.secret,
			concurrency: 16,
		});
		const notAccepted = results.filter((r) => r.status !== 200 || !r.body.includes('"accepted"'));
		assert.equal(notAccepted.length, 0, `not accepted: ${JSON.stringify(notAccepted.slice(0, 3))}`);
		const proxied = (await proxiedRequests(ctx.q)).slice(proxiedBefore);
		const perProcess = ctx.q.webhooks.map((webhook) => proxied.filter((entry) => entry.webhook === webhook.name).length);
		await ctx.q.client.finishedExecutions(workflow.id, before.size + SPREAD_EVENTS);
		const fresh = await freshExecutions(ctx.q, workflow, before);
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
			perWebhookProcess: perProcess,
			sendSeconds: +(wallMs / 1000).toFixed(1),
		};
		log(`  ${JSON.stringify(ctx.numbers.spread)}`);
		assert.deepEqual(missing, [], 'events without an execution');
		assert.deepEqual(twice, [], 'events executed more than once');
		assert.equal(failed.length, 0, 'failed executions');
		assert.equal(fresh.length, SPREAD_EVENTS);
		assert.ok(perProcess.every((n) => n > 0), `both webhook processes must get events (nginx routes by message id): ${perProcess}`);
	});

	/** Execution ids a worker's log says it started and never finished. */
	async function unfinishedOn(worker) {
		const text = await fs.readFile(worker.logFile, 'utf8');
		const started = new Set([...text.matchAll(/Worker started execution (\d+)/g)].map((m) => m[1]));
		for (const m of text.matchAll(/Worker finished execution (\d+)/g)) started.delete(m[1]);
		return started;
	}

	queueTest(`SIGKILL one worker while ${KILL_EVENTS} events keep coming → all acknowledged, one execution each; only the killed worker's jobs fail`, async () => {
		const workflow = ctx.workflows.kill;
		const before = await executionIdSet(ctx.q, workflow);
		const events = (ctx.killEvents = await distinctEvents(KILL_EVENTS, { prefix: 'evt_kill' }));
		const victim = ctx.q.workers[1];
		let killedAt = null;
		// Slower than the bench (concurrency 4) so the stream outlasts the kill comfortably.
		const { results } = await sendEvents(events, {
			url: webhookUrl(ctx.q.proxy.url, workflow),
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
				{ url: webhookUrl(ctx.q.proxy.url, workflow), secret: ctx.q.secret, concurrency: 4 },
			);
			again.forEach(([, i], k) => (results[i] = retried[k]));
		}
		const resentBySender = firstAnswers.filter((status) => status !== 200);
		// Every delivery's last answer has arrived: the Redelivery Window of each runs from before now.
		ctx.killAnsweredAt = Date.now();
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
		const fresh = await freshExecutions(ctx.q, workflow, before);
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

	queueTest('the events whose execution died with the worker are recovered by a replay (same svix-id) after the Redelivery Window → every event succeeded', async () => {
		const workflow = ctx.workflows.kill;
		assert.ok(ctx.killLost, 'needs the SIGKILL test before it');
		const failed = ctx.killFailed;
		// n8n's own Retry (public API) first, to report what it does for such executions.
		const before = await executionIdSet(ctx.q, workflow);
		const retryAnswers = [];
		for (const execution of failed) {
			const answer = await ctx.q.client.request('POST', `/api/v1/executions/${execution.id}/retry`, { auth: 'apiKey', body: {} });
			retryAnswers.push(answer.status);
		}
		if (failed.length) await newExecutions(ctx.q, workflow, before, retryAnswers.filter((s) => s === 200).length);
		const afterRetry = await freshExecutions(ctx.q, workflow, before);
		const retrySucceeded = afterRetry.filter((e) => e.status === 'success').length;

		// Anon will not redeliver (it got a 200): replay from Anon's event log, which sends the
		// same svix-id with a new signature. nginx routes it to the webhook process that accepted
		// the original, whose guard answers "duplicate" within the Redelivery Window (the
		// redelivery suite shows it): replay once the window has passed (this workflow's is
		// KILL_WINDOW_MINUTES), as the README says.
		const windowMs = KILL_WINDOW_MINUTES * 60_000;
		const waitMs = Math.max(0, ctx.killAnsweredAt + windowMs + 1000 - Date.now());
		log(`  waiting ${(waitMs / 1000).toFixed(1)} s for the Redelivery Window (${windowMs / 1000} s) to pass`);
		await sleep(waitMs);
		const replayAnswers = [];
		const beforeReplay = await executionIdSet(ctx.q, workflow);
		const recoveredByRetry = new Set(afterRetry.filter((e) => e.status === 'success').map(eventIdOf));
		for (const original of ctx.killLost.filter((e) => !recoveredByRetry.has(e.eventId))) {
			const answer = await sendEvent(webhookUrl(ctx.q.proxy.url, workflow), {
				body: original.body,
				msgId: original.msgId,
				secret: ctx.q.secret,
			});
			replayAnswers.push(answer.body.status);
		}
		const replayed = ctx.killLost.length ? await newExecutions(ctx.q, workflow, beforeReplay, replayAnswers.filter((a) => a === 'accepted').length) : [];
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
		assert.ok(replayAnswers.every((answer) => answer === 'accepted'), `replay answers: ${replayAnswers}`);
		assert.deepEqual(lost, [], 'events without a successful execution at the end');
		assert.deepEqual(twice, [], 'events that succeeded twice');
	});
});
