// What the queue-mode suites (test/e2e/queueWorkers.suite.mjs, test/e2e/queueRedeliveries.suite.mjs) share:
// one topology per suite (queueTopology.mjs) started before its tests and stopped after them, tests
// that node's --test-name-pattern can pick, and the executions of a workflow read back per event.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';

import { isFinished, nodeOutput } from './n8n.mjs';
import { log, onInterrupt, waitFor } from './process.mjs';
import { startQueueTopology } from './queueTopology.mjs';
import { suiteHooks } from './suite.mjs';
import { TRIGGER_NODE_NAME } from './workflows.mjs';

// The worker-kill tests wait for Bull's stalled-job check and then for every execution.
const TEST_TIMEOUT_MS = 10 * 60_000;

/**
 * The --test-name-pattern values node:test runs this file with (`node --test
 * --test-name-pattern='^SIGKILL' …` hands them to the file's process), as RegExps; node:test itself
 * skips the tests they do not match, this only tells whether any test of the suite is left.
 */
export function testNamePatterns(execArgv = process.execArgv) {
	const values = [];
	execArgv.forEach((arg, i) => {
		if (arg.startsWith('--test-name-pattern=')) values.push(arg.slice('--test-name-pattern='.length));
		else if (arg === '--test-name-pattern' && i + 1 < execArgv.length) values.push(execArgv[i + 1]);
	});
	return values.map((value) => {
		const literal = /^\/(.*)\/([a-z]*)$/s.exec(value);
		return literal ? new RegExp(literal[1], literal[2]) : new RegExp(value);
	});
}

const patterns = testNamePatterns();
let selected = 0;

/** A test of a queue suite; `--test-name-pattern='^SIGKILL|recovered by a replay'` runs only those. */
export function queueTest(name, fn) {
	if (patterns.length === 0 || patterns.some((pattern) => pattern.test(name))) selected++;
	return test(name, { timeout: TEST_TIMEOUT_MS }, fn);
}

/**
 * The hooks of a queue suite's describe(): starts the topology into `ctx.q`, then runs
 * `setUp()` (neither when --test-name-pattern picks none of its tests); after the tests stops everything (the data folder is kept after a red run, for
 * the process logs) and logs `numbers()`, what the suite measured, as `QUEUE E2E NUMBERS`.
 */
export function queueSuiteHooks(ctx, { setUp, numbers }) {
	suiteHooks({
		async setUp() {
			if (selected === 0) return log('--test-name-pattern picks none of this suite\'s tests: nothing started');
			onInterrupt(() => ctx.q?.stop());
			ctx.q = await startQueueTopology();
			await setUp();
		},
		async tearDown({ ok }) {
			const dir = ctx.q?.dir;
			await ctx.q?.stop({ keepDir: !ok });
			if (!ok && dir) log(`queue data kept for inspection: ${dir} (logs: ${path.join(dir, '*', '*.log')}, nginx-access.log)`);
			log(`QUEUE E2E NUMBERS: ${JSON.stringify(numbers())}`);
		},
	});
}

/**
 * Event id of an execution: from the trigger's output once a worker ran it, else from the
 * execution's start data (in queue mode the webhook process stores the trigger's item as the
 * first entry of the node execution stack; a worker that dies leaves it there).
 */
export function eventIdOf(execution) {
	const ran = nodeOutput(execution, TRIGGER_NODE_NAME)?.[0]?.event?.id;
	const queued = execution?.data?.executionData?.nodeExecutionStack?.[0]?.data?.main?.[0]?.[0]?.json?.event?.id;
	return ran ?? queued ?? null;
}

/** Ids (strings) of a workflow's executions so far. */
export async function executionIdSet(topology, workflow) {
	return new Set((await topology.client.executions(workflow.id, { includeData: false })).map((execution) => String(execution.id)));
}

/** Executions (with data) of a workflow that are not in `before` (a Set of ids). */
export async function freshExecutions(topology, workflow, before) {
	const all = await topology.client.executions(workflow.id);
	return all.filter((execution) => !before.has(String(execution.id)));
}

/** Waits until exactly `count` new executions exist and all have finished; returns them with data. */
export async function newExecutions(topology, workflow, before, count, timeoutMs = 60_000) {
	await waitFor(
		async () => {
			const fresh = (await topology.client.executions(workflow.id, { includeData: false })).filter((e) => !before.has(String(e.id)));
			assert.ok(fresh.length <= count, `expected ${count} new execution(s), found ${fresh.length}`);
			return fresh.length === count && fresh.every((e) => isFinished(e));
		},
		{ timeoutMs, what: `${count} new execution(s) of "${workflow.name}"` },
	);
	return freshExecutions(topology, workflow, before);
}

/** Execution ids a webhook process's log says it enqueued ("Enqueued execution N"). */
export async function enqueuedBy(webhook) {
	const text = await fs.readFile(webhook.logFile, 'utf8');
	return new Set([...text.matchAll(/Enqueued execution (\d+)/g)].map((match) => match[1]));
}

/** Count of executions per event id. */
export function countByEvent(executions, filter = () => true) {
	const counts = new Map();
	for (const execution of executions.filter(filter)) {
		const id = eventIdOf(execution);
		counts.set(id, (counts.get(id) ?? 0) + 1);
	}
	return counts;
}

/** Execution ids a worker's log says it started and has not finished (so far). */
export async function unfinishedExecutions(worker) {
	const text = await fs.readFile(worker.logFile, 'utf8').catch(() => '');
	const started = new Set([...text.matchAll(/Worker started execution (\d+)/g)].map((m) => m[1]));
	for (const m of text.matchAll(/Worker finished execution (\d+)/g)) started.delete(m[1]);
	return started;
}

/**
 * SIGKILLs a worker with its task runner (its process group: no clean-up, as the SIGKILL test of
 * test/e2e/queueWorkers.suite.mjs does) and waits until it is gone. Returns the execution ids it had
 * started and not finished: what died with it.
 */
export async function sigkillWorker(worker) {
	process.kill(-worker.pid, 'SIGKILL');
	await worker.exited;
	return unfinishedExecutions(worker);
}
