#!/usr/bin/env node
// BENCHMARKS.md, queue mode: Anon events through n8n's queue mode (PostgreSQL + Redis +
// main + 2 webhook processors behind a round-robin balancer + 1 or 2 workers, from
// test/harness/queue.mjs), Anon Trigger → No Operation, Svix-signed requests.
//
//   node scripts/bench/queue.mjs            (ANON_SKIP_BUILD=1 packs dist/ as is)
//   QUEUE_BENCH_EVENTS=1000 QUEUE_BENCH_CONCURRENCY=16 node scripts/bench/queue.mjs
//
// Measures, per worker count: acknowledgements per second and p50/p95 acknowledgement
// latency (what Anon/Svix sees: the webhook processor answers once the job is in Redis),
// and the time from the first request until every execution has finished (what the
// workers sustain). One topology is started; the first run has worker-2 stopped
// (SIGTERM, drained), the second restarts it. Each run uses its own workflow.
import { fileURLToPath } from 'node:url';

import { distinctEvents } from '../../test/harness/events.mjs';
import { percentile, sendEvents } from '../../test/harness/load.mjs';
import { log } from '../../test/harness/process.mjs';
import { createActiveWorkflow, queueServiceVersions, startQueueTopology } from '../../test/harness/queue.mjs';
import { noOpWorkflow, webhookUrl } from '../../test/harness/workflows.mjs';

/** One measured run against `workflow`; returns a row. */
async function measure(topology, workflow, { events, concurrency, label }) {
	const batch = await distinctEvents(events, { prefix: `evt_bench_${workflow.id}` });
	const lbBefore = [...topology.lb.counts];
	const startedAt = Date.now();
	const { results, wallMs: elapsedMs } = await sendEvents(batch, {
		url: webhookUrl(topology.lb.url, workflow),
		secret: topology.secret,
		concurrency,
	});
	const accepted = results.filter((r) => r.status === 200 && r.body.includes('"accepted"'));
	// Done when every execution has a final status; the last stoppedAt (same machine clock)
	// gives the completion time without the polling interval's error.
	const executions = await topology.client.finishedExecutions(workflow.id, accepted.length, { timeoutMs: 600_000, intervalMs: 1000 });
	const lastStop = Math.max(...executions.map((e) => Date.parse(e.stoppedAt)));
	const allDoneSeconds = (lastStop - startedAt) / 1000;
	const latencies = results.map((r) => r.ms);
	const row = {
		setup: label,
		events,
		concurrency,
		accepted: accepted.length,
		perProcessor: topology.lb.counts.map((count, i) => count - lbBefore[i]).join('/'),
		ackPerSecond: events / (elapsedMs / 1000),
		p50Ms: percentile(latencies, 50),
		p95Ms: percentile(latencies, 95),
		sendSeconds: elapsedMs / 1000,
		allExecutedSeconds: allDoneSeconds,
		executionsPerSecond: executions.length / allDoneSeconds,
		successful: executions.filter((e) => e.status === 'success').length,
	};
	log(`  ${label}: ${JSON.stringify(row)}`);
	return row;
}

/**
 * Starts the topology (with the `packed` package, or a fresh build), runs `events` signed
 * events at `concurrency` with one worker, then with two, stops everything, and returns the
 * two rows and the versions of PostgreSQL and Redis. `warmup` events go first to each
 * workflow (not measured), so JIT and connection pools are warm in both runs.
 */
export async function benchQueue({ events = 1000, concurrency = 16, warmup = 50, packed } = {}) {
	const topology = await startQueueTopology({ packed });
	try {
		const rows = [];
		// Run 1: one worker. SIGTERM lets worker-2 drain (nothing is queued yet anyway).
		await topology.workers[1].stop();
		topology.workers[1] = null;
		for (const workers of [1, 2]) {
			if (workers === 2) await topology.startWorker(1);
			const workflow = await createActiveWorkflow(
				topology,
				noOpWorkflow({ ...topology.trigger, name: `bench: ${workers} worker(s)` }),
			);
			if (warmup) {
				const warm = await createActiveWorkflow(topology, noOpWorkflow({ ...topology.trigger, name: `warm-up ${workers}` }));
				await measure(topology, warm, { events: warmup, concurrency, label: `warm-up (${workers} worker)` });
			}
			rows.push(
				await measure(topology, workflow, {
					events,
					concurrency,
					label: `queue mode, 2 webhook processors, ${workers} worker${workers > 1 ? 's' : ''}`,
				}),
			);
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
	for (const r of rows) {
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
