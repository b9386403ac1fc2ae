#!/usr/bin/env node
// `npm run bench [-- --quick] [-- --queue]`: measures, side by side in one run, and writes
// BENCHMARKS.md (scripts/bench/report.mjs). The sections live beside it in scripts/bench/:
//   1. signature verification: ours vs svix vs standardwebhooks vs a bare HMAC (the floor)
//   2. end to end in a real n8n: the Anon Trigger vs the Min Trigger (the cheapest community
//      trigger) vs n8n's own Webhook node vs what users build instead (Webhook + Code node), in
//      interleaved slices, at n8n's defaults and (2b) with lazy isolate acquisition; 2c cites triggerCost.mjs
//   3. rejections: the same load with bad signatures; what a forged request costs by key kind
//   4. memory: n8n's resident memory over 10,000 events with redelivery protection on
//   5. where the time goes: a CPU profile of n8n taking events
//   6. (--queue) n8n's queue mode: PostgreSQL, Redis, 2 webhook processes, 1 or 2 workers,
//      the same three triggers
// A measurement, not a test: slow machines do not fail it; wrong results do (lost
// executions, wrong status codes), with a non-zero exit.
import { execFileSync } from 'node:child_process';

import { benchInstance, benchMemory, benchRejections, compareTriggers, guardBytesPerId } from './bench/endToEnd.mjs';
import { profileAnonTrigger } from './bench/profile.mjs';
import { benchQueue } from './bench/queueThroughput.mjs';
import { machineFacts, writeReport } from './bench/report.mjs';
import { benchForgedCost, benchVerification } from './bench/verification.mjs';
import { statusCounts } from '../tools/harness/load.mjs';
import { buildAndPack } from '../tools/harness/package.mjs';
import { log, stopAllServers } from '../tools/harness/process.mjs';
import { N8N_VERSION, ensureN8n, ensureNode24 } from '../tools/harness/runtime.mjs';

const quick = process.argv.includes('--quick');
// --queue adds section 6 (n8n's queue mode: PostgreSQL, Redis, 2 webhook processes, 1 or 2 workers), about 5 minutes more.
const withQueue = process.argv.includes('--queue');
const PLAN = quick
	? { verifyRounds: 3, verifyMs: 100, events: 400, rounds: 2, concurrency: 16, memoryEvents: 1000, memorySteps: 2, profileEvents: 200, lazyEvents: 200, poolEvents: 200, queueEvents: 200 }
	: { verifyRounds: 9, verifyMs: 250, events: 1200, rounds: 5, concurrency: 16, memoryEvents: 10_000, memorySteps: 5, profileEvents: 600, lazyEvents: 1800, poolEvents: 600, queueEvents: 1000 };

// Wrong results, collected by every section; any of them fails the run.
const problems = [];
const expect = {
	problem: (text) => problems.push(text),
	statuses(what, results, expected) {
		const counts = statusCounts(results);
		if (Object.keys(counts).some((status) => Number(status) !== expected)) problems.push(`${what}: answers ${JSON.stringify(counts)}, expected all ${expected}`);
	},
	equal(what, actual, expected) {
		if (actual !== expected) problems.push(`${what}: ${actual}, expected ${expected}`);
	},
};

async function main() {
	const started = Date.now();
	log(`BENCH: ${quick ? 'quick' : 'full'} run, n8n ${N8N_VERSION}`);

	// Built and packed first: section 1 measures the built verifier.
	const packed = await buildAndPack();
	log('1. signature verification');
	const verification = benchVerification({
		rounds: PLAN.verifyRounds,
		msPerRun: PLAN.verifyMs,
		log,
	});

	const forgedCost = benchForgedCost({ rounds: quick ? 1 : 5 });
	log('  forged requests by key kind: done');

	await ensureN8n();
	const { concurrency } = PLAN;

	const instance = await benchInstance(packed, { concurrency });
	log(`2. end to end: ${PLAN.events} events per trigger, ${PLAN.rounds} rounds of interleaved slices`);
	const endToEnd = await compareTriggers(instance, {
		events: PLAN.events,
		rounds: PLAN.rounds,
		expect,
	});
	log(`3. rejections: ${PLAN.events} badly signed events`);
	const rejections = await benchRejections(instance, {
		events: PLAN.events,
		rounds: PLAN.rounds,
		expect,
	});
	await instance.stop();

	log(`2b. end to end with N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true: ${PLAN.lazyEvents} events per trigger`);
	const lazyInstance = await benchInstance(packed, {
		env: { N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' },
		concurrency,
	});
	const lazy = await compareTriggers(lazyInstance, {
		events: PLAN.lazyEvents,
		// Five rounds: each of the five goes first once.
		rounds: quick ? 2 : 5,
		expect,
	});
	// On the 2b instance: it takes events several times faster, which keeps the default run
	// within 10 minutes; what is measured (growth with redelivery protection on) is the same.
	log(`4. memory: ${PLAN.memoryEvents} events with redelivery protection on`);
	const memory = await benchMemory(lazyInstance, {
		events: PLAN.memoryEvents,
		steps: PLAN.memorySteps,
		expect,
	});
	await lazyInstance.stop();

	const poolSize = PLAN.concurrency;
	log(`2d. end to end with N8N_EXPRESSION_ENGINE_POOL_SIZE=${poolSize}: ${PLAN.poolEvents} events per trigger`);
	const poolInstance = await benchInstance(packed, { env: { N8N_EXPRESSION_ENGINE_POOL_SIZE: String(poolSize) }, concurrency });
	const pool = { ...(await compareTriggers(poolInstance, { events: PLAN.poolEvents, rounds: quick ? 2 : 5, expect })), poolSize };
	await poolInstance.stop();

	log('5. where the time goes: a CPU profile of n8n taking events');
	const profile = await profileAnonTrigger({
		packed,
		events: PLAN.profileEvents,
		log,
	});

	let queue;
	if (withQueue) {
		log(`6. queue mode: ${PLAN.queueEvents} events per trigger with 1 and 2 workers`);
		queue = await benchQueue({
			events: PLAN.queueEvents,
			concurrency,
			packed,
			expect,
		});
	}

	const facts = {
		...machineFacts(),
		node24: execFileSync(await ensureNode24(), ['--version'], {
			encoding: 'utf8',
		}).trim(),
		n8nVersion: N8N_VERSION,
		packageVersion: packed.version,
	};
	await writeReport(
		{
			queue,
			verification,
			forgedCost,
			endToEnd,
			lazy,
			pool,
			rejections,
			memory,
			guardBytesPerId: guardBytesPerId(),
			profile,
			minutes: (Date.now() - started) / 60_000,
		},
		{ plan: PLAN, quick, facts },
	);
	if (problems.length > 0) {
		console.error(`BENCH: wrong results:\n  ${problems.join('\n  ')}`);
		process.exit(1);
	}
	log('BENCH: done, BENCHMARKS.md written');
}

main()
	.catch((error) => {
		console.error(error);
		process.exitCode = 1;
	})
	.finally(stopAllServers);
