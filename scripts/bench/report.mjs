// The Markdown report of `npm run bench`: BENCHMARKS.md, written from one run's numbers and
// from facts about that run (machine, Node.js, n8n, the package's version).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { exampleBody } from '../../test/harness/events.mjs';
import { percentile, statusCounts } from '../../test/harness/load.mjs';
import { REPO_ROOT } from '../../test/harness/package.mjs';
import { queueTable } from './queue.mjs';

/** What the benchmark ran on, from the run itself. */
export function machineFacts() {
	const cpus = os.cpus();
	return {
		cores: cpus.length,
		machine: `${cpus.length} × ${cpus[0].model.trim()}, ${fmt(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}`,
		node: process.version,
	};
}

function profileSection(profile, data) {
	const rows = (list) => list.map(({ name, percent }) => `| ${name} | ${percent.toFixed(1)} % |`).join('\n');
	return `## 5. Where the time goes

A CPU profile of n8n's main process (\`node --cpu-prof\`) while ${profile.events} signed events go through
the Anon Trigger (answers: ${JSON.stringify(profile.statuses)}), ${fmt(profile.seconds, 1)} s of samples.

| Self time in | Share |
| --- | ---: |
${rows(profile.categories)}

| Inclusive time of | Share |
| --- | ---: |
${rows(profile.callers)}

What this says, and what was changed because of it:

- **Our code is not where the time goes.** Verification, filtering, zod parsing and the item
  take the share shown for \`webhook()\` (section 1: verification alone is within a few percent
  of a bare HMAC).
- **n8n prepares its expression engine for every request to a community trigger.** Before
  calling a trigger's \`webhook()\`, n8n 2.x acquires an isolated-vm isolate (and releases it
  after). It skips this only for its own Webhook node, and only when that node's parameters
  are static (\`webhookPhaseNeedsIsolate\` in n8n's \`live-webhooks.js\`). No node can opt out of
  it. It is the gap in section 2: with n8n's \`N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true\`, which
  creates the isolate only when an expression is evaluated, the Anon Trigger reaches
  ${data.lazyRatio.toFixed(2)}× the Webhook node (section 2b), and both run several times faster.
  The README recommends that setting to operators who need throughput.
- **Changed in the node: typeVersion 1.1 instead of 1.** For a start node of typeVersion
  exactly 1, n8n also evaluates the legacy expression \`$parameter["options"]["binaryData"]\` on
  every request (\`parseRequestBody\`), another trip into the isolate. The Anon Trigger is
  typeVersion 1.1, so that row stays near zero; for content types n8n does not parse at
  version > 1 the node reads the body stream itself.
- **Changed in the node: no expression in the webhook description**, a static response
  (\`responseData: ''\` with the node's own answer), and the parsed signing key cached per secret
  (credential decryption stays n8n's).
- The rest is n8n's own work per execution: the SQLite writes of the execution and the
  workflow lookups, which the Webhook node pays too.
`;
}

function queueSection({ rows, versions }, single, facts) {
	return `## 6. Queue mode

n8n ${facts.n8nVersion} in queue mode on this same machine: PostgreSQL ${versions.postgres} and Redis ${versions.redis}, n8n main, two
webhook processes (\`n8n webhook\`) behind a round-robin balancer, and one or two workers
(\`n8n worker\`); Anon Trigger → No Operation; ${rows[0]?.events} signed events at concurrency ${rows[0]?.concurrency}.
Acknowledgements are what Anon sees (the webhook process answers once the job is queued);
"all executed after" is when the last execution finished.

${queueTable(rows)}

For comparison, one n8n process on SQLite (section 2, same run): ${fmt(single.throughput, 1)} events/s
acknowledged and executed, p50 ${fmt(single.p50)} ms, p95 ${fmt(single.p95)} ms. On ${facts.cores} cores, five n8n processes,
PostgreSQL and Redis compete for the same CPUs: queue mode is for spreading work over more
machines, not for speeding up one small one.
`;
}

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

/**
 * Writes BENCHMARKS.md from one run's results: `data` holds every section's numbers, `plan`
 * the sizes, `facts` what was measured on (machine, versions).
 */
export async function writeReport(data, { plan: PLAN, quick, facts }) {
	const anon = loadStats(data.endToEnd.runs.anon);
	const webhook = loadStats(data.endToEnd.runs.webhook);
	const lazyAnon = loadStats(data.lazy.runs.anon);
	const lazyWebhook = loadStats(data.lazy.runs.webhook);
	const lazyRatio = lazyAnon.throughput / lazyWebhook.throughput;
	const rejected = loadStats(data.rejections.runs);
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
	const memoryRows = data.memory.memory.map((m) => `| ${fmt(m.events)}${m.note ? ` (${m.note})` : ''} | ${fmt(m.rssMiB)} |`);
	const growth = data.memory.memory.at(-1).rssMiB - data.memory.memory[0].rssMiB;
	const guardMiB = (data.guardBytesPerId * Math.min(PLAN.memoryEvents, 50_000)) / 2 ** 20;
	const guardCapMiB = (data.guardBytesPerId * 50_000) / 2 ** 20;

	const text = `# Benchmarks

Written by \`npm run bench${quick ? ' -- --quick' : ''}\` on ${new Date().toISOString().slice(0, 10)} in ${fmt(data.minutes, 1)} minutes.
Absolute numbers depend on the machine and drift between runs; each table compares things
measured side by side in the same run.

- Machine: ${facts.machine}
- Node.js: ${facts.node} for the verification microbenchmark, ${facts.node24} for n8n
- n8n: ${facts.n8nVersion}, SQLite, one process, default settings (executions saved)
- Package: n8n-nodes-anon ${facts.packageVersion}, built and installed as n8n's community installer does
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

- Executions created: Anon Trigger ${data.endToEnd.executed.anon}, Webhook node ${data.endToEnd.executed.webhook} (events sent: ${PLAN.events} each).
- **Ratio Anon / Webhook throughput: ${ratio.toFixed(2)}** (goal ≥ 0.90: ${ratio >= 0.9 ? 'met' : '**missed**'}).

### 2b. With \`N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true\`

The same comparison on a second, fresh n8n started with n8n's own setting that creates an
expression isolate only when an expression is evaluated (${data.lazy.events} events per trigger, 2 alternating
rounds). See section 5 for why it matters to every community trigger.

| Trigger | Events | Throughput, events/s (per-round min–max) | p50 | p95 | p99 | Answers |
| --- | ---: | ---: | ---: | ---: | ---: | --- |
${loadRow('Anon Trigger', lazyAnon)}
${loadRow('Webhook node', lazyWebhook)}

- Executions created: Anon Trigger ${data.lazy.executed.anon}, Webhook node ${data.lazy.executed.webhook} (events sent: ${data.lazy.events} each).
- **Ratio Anon / Webhook throughput: ${lazyRatio.toFixed(2)}** (goal ≥ 0.90: ${lazyRatio >= 0.9 ? 'met' : '**missed**'}).

## 3. Rejections

The same load into the Anon Trigger workflow, each request signed with a different, wrong
secret.

| Requests | Events | Throughput, events/s (per-round min–max) | p50 | p95 | p99 | Answers |
| --- | ---: | ---: | ---: | ---: | ---: | --- |
${loadRow('Bad signatures (401)', rejected)}
${loadRow('Valid (from section 2)', anon)}

- Executions created by the ${PLAN.events} forged requests: **${data.rejections.executed}**.
- Rejecting vs accepting throughput: ${(rejected.throughput / anon.throughput).toFixed(2)}× (goal ≥ 1: ${rejected.throughput >= anon.throughput ? 'met' : '**missed**'}).

## 4. Memory

n8n's resident set size (main process, \`VmRSS\`) while ${fmt(PLAN.memoryEvents)} valid events with distinct
\`svix-id\`s go through the Anon Trigger with redelivery protection on (window 60 minutes, so
every id stays remembered). Executions created: ${fmt(data.memory.executed)}. Measured on the section 2b
instance, which takes events several times faster; that keeps the whole run near 10 minutes.

| Events sent | n8n RSS (MiB) |
| ---: | ---: |
${memoryRows.join('\n')}

Growth over the run: ${fmt(growth)} MiB. What our node adds is the redelivery memory: one
remembered id costs ${fmt(data.guardBytesPerId)} bytes of heap (measured for 50,000 ids of Svix's length in
\`RedeliveryGuard\`), so the ${fmt(PLAN.memoryEvents)} ids here hold about ${fmt(guardMiB, 1)} MiB, and the cap of
50,000 ids per trigger node bounds it at about ${fmt(guardCapMiB, 1)} MiB whatever the traffic; ids also expire
with the window. The rest of the growth is n8n's own (V8 heap growth under load, caches,
SQLite pages) and appears in the same way for its Webhook node.

${profileSection(data.profile, { lazyRatio })}
${data.queue ? queueSection(data.queue, anon, facts) : '## 6. Queue mode\n\nNot part of this run: `npm run bench -- --queue` adds it.\n'}`;
	await fs.writeFile(path.join(REPO_ROOT, 'BENCHMARKS.md'), text);
}
