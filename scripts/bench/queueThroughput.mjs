#!/usr/bin/env node
// BENCHMARKS.md, queue mode: Anon events through n8n's queue mode (PostgreSQL + Redis +
// main + 2 webhook processors behind nginx (TLS, routing by message id) + 1 or 2 workers, from
// tools/harness/queueTopology.mjs): Anon Trigger, Min Trigger (the cheapest community trigger) and
// n8n's Webhook node, each → No Operation, Svix-signed requests.
//
//   node scripts/bench/queueThroughput.mjs            (ANON_SKIP_BUILD=1 packs dist/ as is)
//   QUEUE_BENCH_EVENTS=1000 QUEUE_BENCH_CONCURRENCY=16 node scripts/bench/queueThroughput.mjs
//
// Measures, per worker count: acknowledgements per second and p50/p95 acknowledgement
// latency (what Anon/Svix sees: the webhook processor answers once the job is in Redis),
// and the time from the first request until every execution has finished (what the
// workers sustain). One topology is started; the first runs have worker-2 stopped
// (SIGTERM, drained), the second ones restart it. Each run uses its own workflow.
import { fileURLToPath } from 'node:url';

import { distinctEvents } from '../../tools/harness/signedEvents.mjs';
import { mergeCounts, percentile, sendEvents, statusCounts } from '../../tools/harness/load.mjs';
import { isFinished } from '../../tools/harness/n8n.mjs';
import { log, waitFor } from '../../tools/harness/process.mjs';
import { proxiedRequests, startQueueTopology } from '../../tools/harness/queueTopology.mjs';
import { queueServiceVersions } from '../../tools/harness/queueServices.mjs';
import { minTriggerWorkflow, noOpWorkflow, triggerUrl, webhookNodeWorkflow } from '../../tools/harness/workflows.mjs';

const TRIGGERS = {
	anon: {
		label: 'Anon Trigger',
		workflow: (topology, name) => noOpWorkflow({ ...topology.trigger, name }),
	},
	min: {
		label: 'Min Trigger',
		workflow: (_, name) => minTriggerWorkflow({ name }),
	},
	webhook: {
		label: 'Webhook node',
		workflow: (_, name) => webhookNodeWorkflow({ name }),
	},
};

/**
 * Creates and activates `definition` through main and waits until every webhook processor
 * serves it. The probes may start executions (Min Trigger, Webhook node); measure() counts
 * only executions created after them.
 */
async function activeWorkflow(topology, definition) {
	// Main serves no production webhooks here: an Anon Trigger is proven live on the processors.
	const created = await topology.client.createWorkflow(definition, {
		webhookBaseUrls: topology.webhooks.map((processor) => processor.baseUrl),
	});
	for (const processor of topology.webhooks) {
		const url = triggerUrl(processor.baseUrl, definition);
		await waitFor(async () => (await fetch(url, { method: 'POST', body: '{}' })).status !== 404, {
			what: `${definition.name} on ${processor.baseUrl}`,
			timeoutMs: 30_000,
		});
	}
	return {
		id: created.id,
		name: definition.name,
		url: triggerUrl(topology.proxy.url, definition),
	};
}

/** Ids (numbers) of the workflow's executions. */
const executionIds = async (client, workflowId) => (await client.executions(workflowId, { includeData: false })).map((e) => Number(e.id));

/** One measured run against `workflow`; returns a row. */
async function measure(topology, workflow, { events, concurrency, label, trigger }) {
	const batch = await distinctEvents(events, {
		prefix: `evt_bench_${workflow.id}`,
	});
	const lastBefore = Math.max(0, ...(await executionIds(topology.client, workflow.id)));
	const proxiedBefore = (await proxiedRequests(topology)).length;
	const startedAt = Date.now();
	const { results, wallMs: elapsedMs } = await sendEvents(batch, {
		url: workflow.url,
		secret: topology.secret,
		concurrency,
	});
	const accepted = results.filter((r) => r.status === 200);
	// Done when every execution has a final status; the last stoppedAt (same machine clock)
	// gives the completion time without the polling interval's error.
	const executions = await waitFor(
		async () => {
			const created = (await topology.client.executions(workflow.id, { includeData: false })).filter((e) => Number(e.id) > lastBefore);
			return created.length >= accepted.length && created.every(isFinished) ? created : null;
		},
		{
			timeoutMs: 600_000,
			intervalMs: 1000,
			what: `${accepted.length} finished executions of ${workflow.name}`,
		},
	);
	const lastStop = Math.max(...executions.map((e) => Date.parse(e.stoppedAt)));
	const proxied = (await proxiedRequests(topology)).slice(proxiedBefore);
	const allDoneSeconds = (lastStop - startedAt) / 1000;
	const latencies = results.map((r) => r.ms);
	const row = {
		latencies,
		trigger,
		setup: label,
		statuses: statusCounts(results),
		events,
		concurrency,
		accepted: accepted.length,
		perProcessor: topology.webhooks.map((webhook) => proxied.filter((entry) => entry.webhook === webhook.name).length).join('/'),
		ackPerSecond: events / (elapsedMs / 1000),
		p50Ms: percentile(latencies, 50),
		p95Ms: percentile(latencies, 95),
		sendSeconds: elapsedMs / 1000,
		allExecutedSeconds: allDoneSeconds,
		executionsPerSecond: executions.length / allDoneSeconds,
		successful: executions.filter((e) => e.status === 'success').length,
	};
	log(`  ${label}: ${JSON.stringify({ ...row, latencies: undefined })}`);
	return row;
}

/** One row from the measured parts of a trigger's run (each part waited for its executions). */
function combine(parts, { setup, workers }) {
	const sum = (key) => parts.reduce((total, part) => total + part[key], 0);
	const latencies = parts.flatMap((part) => part.latencies);
	const perProcessor = parts.map((part) => part.perProcessor.split('/').map(Number)).reduce((a, b) => a.map((n, i) => n + b[i]));
	return {
		trigger: parts[0].trigger,
		setup,
		workers,
		statuses: parts.map((part) => part.statuses).reduce(mergeCounts, {}),
		events: sum('events'),
		concurrency: parts[0].concurrency,
		accepted: sum('accepted'),
		perProcessor: perProcessor.join('/'),
		ackPerSecond: sum('events') / sum('sendSeconds'),
		p50Ms: percentile(latencies, 50),
		p95Ms: percentile(latencies, 95),
		sendSeconds: sum('sendSeconds'),
		allExecutedSeconds: sum('allExecutedSeconds'),
		executionsPerSecond: sum('successful') / sum('allExecutedSeconds'),
		successful: sum('successful'),
	};
}

/**
 * Starts the topology (with the `packed` package, or a fresh build; the Min Trigger beside it
 * in every process), runs `events` events at `concurrency` into each trigger's workflow with
 * one worker, then with two, stops everything, and returns the rows and the versions of
 * PostgreSQL and Redis. `warmup` events go first to each workflow (not measured), so JIT and
 * connection pools are warm. Wrong answers or execution counts go to `expect` when given.
 */
export async function benchQueue({ events = 1000, concurrency = 16, warmup = 50, packed, expect } = {}) {
	// n8n's defaults, as sections 2–3 (the queue suites run with lazy acquisition instead).
	const topology = await startQueueTopology({ packed, minTrigger: true, lazyAcquire: false });
	try {
		const rows = [];
		// Run 1: one worker. SIGTERM lets worker-2 drain (nothing is queued yet anyway).
		await topology.workers[1].stop();
		topology.workers[1] = null;
		for (const workers of [1, 2]) {
			if (workers === 2) await topology.startWorker(1);
			const keys = Object.keys(TRIGGERS);
			const label = (key) => `${TRIGGERS[key].label}, ${workers} worker${workers > 1 ? 's' : ''}`;
			const workflows = {};
			for (const key of keys) {
				workflows[key] = await activeWorkflow(topology, TRIGGERS[key].workflow(topology, `bench: ${label(key)}`));
				if (warmup) await measure(topology, workflows[key], { events: warmup, concurrency, label: `warm-up (${label(key)})`, trigger: key });
			}
			// Each trigger's events in two halves, in the order A B C then C B A (C B A, A B C with
			// two workers), so a load that drifts during the run weighs on every trigger alike.
			const parts = Object.fromEntries(keys.map((key) => [key, []]));
			const first = workers === 1 ? keys : keys.toReversed();
			for (const key of [...first, ...first.toReversed()]) {
				const half = parts[key].length === 0 ? Math.ceil(events / 2) : Math.floor(events / 2);
				parts[key].push(await measure(topology, workflows[key], { events: half, concurrency, label: `${label(key)}, half ${parts[key].length + 1}`, trigger: key }));
			}
			for (const key of keys) {
				const row = combine(parts[key], { setup: label(key), workers });
				rows.push(row);
				if (expect) {
					expect.equal(`queue mode, ${row.setup}: answers 200`, row.accepted, events);
					expect.equal(`queue mode, ${row.setup}: successful executions`, row.successful, events);
				}
			}
		}
		return { rows, versions: queueServiceVersions() };
	} finally {
		topology.workers = topology.workers.filter(Boolean);
		await topology.stop();
	}
}

/** Markdown table for BENCHMARKS.md. */
export function queueTable(rows) {
	const lines = [
		'| Setup | Events | Concurrency | Acks/s | p50 ack (ms) | p95 ack (ms) | All executed after (s) | Executions/s | Successful |',
		'| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
	];
	for (const r of [...rows].sort((a, b) => (a.workers ?? 0) - (b.workers ?? 0))) {
		lines.push(
			`| ${r.setup} | ${r.events} | ${r.concurrency} | ${r.ackPerSecond.toFixed(1)} | ${r.p50Ms.toFixed(0)} | ${r.p95Ms.toFixed(0)} | ${r.allExecutedSeconds.toFixed(1)} | ${r.executionsPerSecond.toFixed(1)} | ${r.successful}/${r.events} |`,
		);
	}
	return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	const events = Number(process.env.QUEUE_BENCH_EVENTS || 1000);
	const concurrency = Number(process.env.QUEUE_BENCH_CONCURRENCY || 16);
	const t0 = Date.now();
	try {
		const { rows } = await benchQueue({ events, concurrency });
		console.log(`\n${queueTable(rows)}\n`);
		console.log(`(whole run ${((Date.now() - t0) / 1000).toFixed(0)} s, including start-up and shutdown)`);
		process.exit(0);
	} catch (error) {
		console.error(error);
		process.exit(1);
	}
}
