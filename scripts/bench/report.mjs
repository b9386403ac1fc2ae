// The Markdown report of `npm run bench`: BENCHMARKS.md, written from one run's numbers and
// from facts about that run (machine, Node.js, n8n, the package's version).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { exampleBody } from '../../tools/harness/signedEvents.mjs';
import { percentile, statusCounts } from '../../tools/harness/load.mjs';
import { REPO_ROOT } from '../../tools/harness/package.mjs';
import { queueTable } from './queueThroughput.mjs';

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
  (\`responseData: ''\` with the node's own answer), and the parsed signing key reused per
  credential for at most 10 s (section 2c), so most requests read no credential.
- The rest is n8n's own work per execution: the SQLite writes of the execution and the
  workflow lookups, which the Webhook node pays too.
`;
}

function queueSection({ rows, versions }, single, facts) {
	const ratios = [1, 2].map((workers) => {
		const row = (trigger) => rows.find((r) => r.workers === workers && r.trigger === trigger);
		const [anon, min, webhook] = ['anon', 'min', 'webhook'].map(row);
		const both = (other) =>
			`${fmt(anon.ackPerSecond / other.ackPerSecond, 2)} acknowledged, ${fmt(anon.executionsPerSecond / other.executionsPerSecond, 2)} executed`;
		return `- ${workers} worker${workers > 1 ? 's' : ''}: **Anon / Min Trigger ${both(min)}**; Anon / Webhook node ${both(webhook)} (events/s).`;
	});
	return `## 6. Queue mode

n8n ${facts.n8nVersion} in queue mode on this same machine: PostgreSQL ${versions.postgres} and Redis ${versions.redis}, n8n main, two
webhook processes (\`n8n webhook\`) behind nginx (TLS, routing by message id), and one or two workers
(\`n8n worker\`); Anon Trigger, Min Trigger and Webhook node, each → No Operation (the Min Trigger
installed beside the package in every process); ${rows[0]?.events} signed events per trigger at concurrency ${rows[0]?.concurrency},
each trigger's events in two halves sent in the order Anon, Min, Webhook, Webhook, Min, Anon
(reversed for two workers), so drift in the machine's load weighs on every trigger alike.
Acknowledgements are what Anon sees (the webhook process answers once the job is queued);
"all executed after" is, summed over the two halves, when the half's last execution finished.

${queueTable(rows)}

${ratios.join('\n')}

For comparison, one n8n process on SQLite (section 2, same run): ${fmt(single.throughput, 1)} events/s
acknowledged and executed, p50 ${fmt(single.p50)} ms, p95 ${fmt(single.p95)} ms. On ${facts.cores} cores, five n8n processes,
PostgreSQL and Redis compete for the same CPUs: queue mode is for spreading work over more
machines, not for speeding up one small one.
`;
}

/**
 * Condensed: the step-by-step measurement of scripts/bench/triggerCost.mjs (too
 * slow to run with every bench: 5 to 20 minutes), cited with its date; the rest is prose.
 */
function triggerCostSection() {
	return `### 2c. Where the Anon Trigger's cost went

Before this change (in the unreleased 0.1.0) the Anon Trigger reached only 0.67–0.79× the Min Trigger's throughput,
although its \`webhook()\` took 1.4 % of n8n's CPU. \`node scripts/bench/triggerCost.mjs\` found
where the rest went: it runs the Min Trigger beside *variants* of it that each add one of the
Anon Trigger's steps (the package's own code from \`dist/\`), timing the step inside n8n
under load, and compares their throughput in interleaved slices. Measured on 2026-11-28,
default n8n 2.41.1, 3 rounds × 400 events per trigger, concurrency 16:

| Step added to the Min Trigger | × Min events/s, median (range) | Step wall time p50 / p99 / mean, ms |
| --- | ---: | ---: |
| \`getCredentials('anonWebhookApi')\` | 0.63 (0.51–0.65) | 278.30 / 1109.07 / 323.02 |
| only a second expression isolate acquired and released | 0.63 (0.49–0.70) | 229.70 / 1155.14 / 295.71 |
| \`getNodeParameter('options')\`, \`('events')\` | 0.98 (0.71–1.06) | 0.04 / 0.21 / 0.08 |
| raw body + JSON classification | 0.94 (0.62–1.21) | 0.01 / 0.08 / 0.02 |
| Svix signature verification | 1.07 (0.65–1.08) | 0.09 / 0.93 / 0.33 |
| zod schema check | 0.99 (0.53–1.17) | 0.08 / 3.00 / 0.43 |
| redelivery guard + \`close\` listener | 0.97 (0.78–1.03) | 0.04 / 0.15 / 0.05 |
| emit the Anon item | 1.09 (0.95–1.11) | 0.01 / 0.06 / 0.02 |
| **all of the Anon Trigger's steps except the credential read** | 0.98 (0.87–1.07) | 0.24 / 4.72 / 0.39 |

(Throughput ratios of the cheap steps move ±0.3 from round to round with the machine's load;
the step times are measured inside n8n and do not.)

- **The cost was \`getCredentials\` on every request.** In a webhook it loads the credential
  row from SQLite (waiting in the pool with the execution writes), decrypts it, and resolves
  its fields as expressions in a context without run data, which builds a \`Workflow\` and
  acquires a **second expression isolate**, almost always a cold one under concurrency (n8n
  keeps one warm), while the isolate n8n acquired for the request is held. That isolate alone
  costs as much throughput as the whole call.
- **The fix:** on the production URL the parsed signing secret is reused per workflow and credential for
  at most **10 s, counted from when the read started**; concurrent requests share one read. A
  secret changed at time *t* is the only one accepted from *t* + 10 s on (unit tests, and e2e
  test *j* against a real n8n). Failed reads and unusable secrets are not kept, the editor's
  test URL reads the credential every time, and forged requests still get 401, never start an
  execution, and now cost no credential read at all.
- **What is left is n8n's**, and sections 2 and 2b measure it in every run:
  - **a credential on the node** costs two more database queries per execution, whether or
    not the node reads it: n8n's \`CredentialsPermissionChecker\` (\`findNonProjectCredentialsByIds\`)
    and its redaction module's \`DynamicCredentialsContextHook\` (\`hasResolvableCredential\`)
    run for every execution of a workflow in which any node has a credential. Counted by
    \`node scripts/bench/triggerCost.mjs --lazy --queries 20 --only min,credref,cred,anon,anon-forged\`
    (n8n's SQL log, 20 events one at a time per trigger): queries per event, Min Trigger 33.1;
    Min + a credential never read 35.3; Min + \`getCredentials\` per request 37.1; Anon Trigger
    35.2; Anon Trigger with bad signatures 10.3 (no execution is written). Per event the Anon
    Trigger adds exactly those two \`credentials_entity\` selects, as the unread credential does,
    and no credential read (the secret is reused). Both checks look only at whether a node has a credential, so n8n's own Webhook
    node pays them too once it authenticates with Header Auth. A verifying trigger needs its
    secret in a credential (encrypted, never exported with the workflow), so it pays them;
  - the expression isolate n8n acquires for every request to any community trigger
    (\`webhookPhaseNeedsIsolate\` in n8n's \`live-webhooks.js\`; only its own Webhook node is
    exempt) is what holds the Min Trigger itself well below the Webhook node in section 2. An
    operator avoids it with **\`N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true\`** (section 2b).
    Raising \`N8N_EXPRESSION_ENGINE_POOL_SIZE\` keeps more warm bridges, but each is still
    disposed after use.
- **With lazy acquire** a request costs n8n only a few milliseconds, and the credential's two
  queries are most of what separates the Anon Trigger from the Min Trigger; the Webhook node
  pays about as much for its own extra work. Measured on 2026-11-29, four triggers
  interleaved, \`node scripts/bench/triggerCost.mjs --lazy --webhook --only min,credref,anon,webhook
  --rounds 6 --events 1200 --slice 200\`:

  | Trigger | events/s, median (rounds) | × Min, median (range) | × Webhook node, median (range) | p50 / p99 ms |
  | --- | ---: | ---: | ---: | ---: |
  | Min Trigger | 165.6 (153.7, 166.3, 165.6, 165.6, 159.3, 184.7) | 1.00 | 1.07 (1.05–1.11) | 93 / 133 |
  | Min + a credential on the node, never read | 151.4 (145.3, 152.0, 150.8, 152.9, 150.2, 161.2) | **0.92** (0.87–0.94) | 0.98 (0.96–1.01) | 102 / 154 |
  | **Anon Trigger** | 146.9 (144.0, 139.7, 146.5, 153.8, 147.4, 161.8) | **0.90** (0.84–0.94) | **0.98** (0.89–1.00) | 104 / 158 |
  | Webhook node | 155.4 (146.0, 156.6, 156.9, 154.2, 148.5, 166.8) | 0.94 (0.90–0.95) | 1.00 | 99 / 147 |

  The Anon Trigger / the credential-only variant: 0.98 (per round 0.92–1.01). So of the
  Anon Trigger's 10 % to the Min Trigger, 8 points are n8n's checks of a credential that is
  never even read, and about 2 are the trigger's own work: its \`webhook()\` steps together
  take 0.10 ms per request at the mean under this load (signature 0.04, zod 0.03, redelivery
  guard 0.02, JSON and parameters 0.01 each; \`--lazy --only min,params,rawbody,verify,schema,guard,item,nocred\`).
  Here the Anon Trigger runs at 0.98× the Webhook node; section 2b measures it again in every
  bench run. No setting of n8n's removes the credential checks.

The variant runs and their options are described at the top of \`scripts/bench/triggerCost.mjs\`.
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

/** Throughput of `a` over `b`: overall, and per round (the rounds ran side by side). */
function ratio(a, b, runsA, runsB) {
	const perRound = runsA.map((run, i) => run.results.length / run.wallMs / (runsB[i].results.length / runsB[i].wallMs));
	return {
		value: a.throughput / b.throughput,
		min: Math.min(...perRound),
		max: Math.max(...perRound),
	};
}

const ratioText = (r) => `${fmt(r.value, 2)} (per round ${fmt(r.min, 2)}–${fmt(r.max, 2)})`;

const goal = (met) => (met ? 'met' : '**missed**');

const executedLine = ({ executed, events }) =>
	`- Executions created: Anon Trigger ${executed.anon} (When the Workflow Finishes ${executed.anonFinished}), Min Trigger ${executed.min}, Webhook node ${executed.webhook} (events sent: ${events} each).`;

const fmt = (n, digits = 0) =>
	n.toLocaleString('en-US', {
		maximumFractionDigits: digits,
		minimumFractionDigits: digits,
	});

/**
 * Writes BENCHMARKS.md from one run's results: `data` holds every section's numbers, `plan`
 * the sizes, `facts` what was measured on (machine, versions).
 */
export async function writeReport(data, { plan: PLAN, quick, facts }) {
	const stats = (runs) => Object.fromEntries(Object.entries(runs).map(([name, list]) => [name, loadStats(list)]));
	const e2e = stats(data.endToEnd.runs);
	const lazy = stats(data.lazy.runs);
	const anon = e2e.anon;
	const rejected = loadStats(data.rejections.runs);
	const compared = (s, runs) => ({
		min: ratio(s.anon, s.min, runs.anon, runs.min),
		webhook: ratio(s.anon, s.webhook, runs.anon, runs.webhook),
		minWebhook: ratio(s.min, s.webhook, runs.min, runs.webhook),
		p99: s.anon.p99 / s.min.p99,
		finished: ratio(s.anonFinished, s.anon, runs.anonFinished, runs.anon),
		finishedP50: s.anonFinished.p50 / s.anon.p50,
	});
	const main = compared(e2e, data.endToEnd.runs);
	const lazyRatios = compared(lazy, data.lazy.runs);
	const lazyRatio = lazyRatios.webhook.value;

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
	const guardMiB = (data.guardBytesPerId * PLAN.memoryEvents) / 2 ** 20;
	// The most events per second one n8n took in this run, sustained for the default 60-minute window.
	const fastest = Math.max(...Object.values(lazy).map((s) => s.throughput), ...Object.values(e2e).map((s) => s.throughput));
	const windowIds = Math.round(fastest * 3600);
	const windowMiB = (data.guardBytesPerId * windowIds) / 2 ** 20;

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

${PLAN.events} events into each workflow, in ${PLAN.rounds} rounds (after 100 warm-up events each); within a
round the three take turns in slices of 100 events, so neighbouring slices see the same machine
load, and each round starts with the next trigger. All workflows are *trigger → No Operation*: the Anon Trigger
verifies every signature (once with each Acknowledge setting); the **Min Trigger** (\`fixtures/min-trigger\`, installed beside
the package, never shipped) is the cheapest possible community trigger, emitting the body and
verifying nothing, so what it costs is what n8n charges any community trigger; n8n's Webhook
node (typeVersion 2, respond immediately) verifies nothing and is exempt from part of that
charge. Latency is the time until n8n's answer (the acknowledgement Svix waits for), in ms.

| Trigger | Events | Throughput, events/s (per-round min–max) | p50 | p95 | p99 | Answers |
| --- | ---: | ---: | ---: | ---: | ---: | --- |
${loadRow('Anon Trigger', e2e.anon)}
${loadRow('Anon Trigger, When the Workflow Finishes', e2e.anonFinished)}
${loadRow('Min Trigger', e2e.min)}
${loadRow('Webhook node', e2e.webhook)}

${executedLine(data.endToEnd)}
- **Anon / Min Trigger throughput: ${ratioText(main.min)}** (goal ≥ 0.95: ${goal(main.min.value >= 0.95)}); p99 ${fmt(main.p99, 2)}× the Min Trigger's (goal ≤ 1.10×: ${goal(main.p99 <= 1.1)}).
- **Anon / Webhook node throughput: ${ratioText(main.webhook)}**. Min Trigger / Webhook node: ${ratioText(main.minWebhook)}: the gap
  to the Webhook node is what n8n charges every community trigger (sections 2c and 5), and 2b removes it.
- **Acknowledge "When the Workflow Finishes" / "When Received": ${ratioText(main.finished)}** throughput, p50 ${fmt(main.finishedP50, 2)}×:
  n8n answers after the run instead of once the execution exists (same n8n, same interleaved load), the price of
  a failed run or a crash being redelivered instead of lost. The Anon / Min ratio above is for When Received, the default.

### 2b. With \`N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true\`

The same comparison on a second, fresh n8n started with n8n's own setting that creates an
expression isolate only when an expression is evaluated (${data.lazy.events} events per trigger, ${data.lazy.rounds} rounds
of interleaved slices). See sections 2c and 5 for why it matters to every community trigger.

| Trigger | Events | Throughput, events/s (per-round min–max) | p50 | p95 | p99 | Answers |
| --- | ---: | ---: | ---: | ---: | ---: | --- |
${loadRow('Anon Trigger', lazy.anon)}
${loadRow('Anon Trigger, When the Workflow Finishes', lazy.anonFinished)}
${loadRow('Min Trigger', lazy.min)}
${loadRow('Webhook node', lazy.webhook)}

${executedLine(data.lazy)}
- **Anon / Webhook node throughput: ${ratioText(lazyRatios.webhook)}** (goal ≥ 0.97: ${goal(lazyRatio >= 0.97)}; what separates the
  Anon Trigger from the Min Trigger here is mostly n8n's two credential checks per execution, section 2c).
- **Anon / Min Trigger throughput: ${ratioText(lazyRatios.min)}**; p99 ${fmt(lazyRatios.p99, 2)}× the Min Trigger's.

${triggerCostSection()}
## 3. Rejections

The same load into the Anon Trigger workflow, each request signed with a different, wrong
secret, beside the valid events of section 2 (same instance, just before).

| Requests | Events | Throughput, events/s (per-round min–max) | p50 | p95 | p99 | Answers |
| --- | ---: | ---: | ---: | ---: | ---: | --- |
${loadRow('Anon Trigger, bad signatures (401)', rejected)}
${loadRow('Anon Trigger, valid (section 2)', anon)}
${loadRow('Min Trigger, valid (section 2)', e2e.min)}

- Executions created by the ${PLAN.events} forged requests: **${data.rejections.executed}**.
- Rejecting vs accepting throughput: ${fmt(rejected.throughput / anon.throughput, 2)}× the Anon Trigger's valid events (goal ≥ 1: ${goal(rejected.throughput >= anon.throughput)}), ${fmt(rejected.throughput / e2e.min.throughput, 2)}× the Min Trigger's.
- Valid events (section 2): Anon / Min Trigger ${fmt(main.min.value, 2)}, Anon / Webhook node ${fmt(main.webhook.value, 2)}.

## 4. Memory

n8n's resident set size (main process, \`VmRSS\`) while ${fmt(PLAN.memoryEvents)} valid events with distinct
\`svix-id\`s go through the Anon Trigger with redelivery protection on (window 60 minutes, so
every id stays remembered). Executions created: ${fmt(data.memory.executed)}. Measured on the section 2b
instance, which takes events several times faster; that keeps the whole run near 10 minutes.

| Events sent | n8n RSS (MiB) |
| ---: | ---: |
${memoryRows.join('\n')}

Growth over the run: ${fmt(growth)} MiB. What our node adds is the redelivery memory: one
remembered id costs ${fmt(data.guardBytesPerId)} bytes of heap (measured for 200,000 ids of Svix's length in
\`RedeliveryGuard\`), so the ${fmt(PLAN.memoryEvents)} ids here hold about ${fmt(guardMiB, 1)} MiB. Only the window
bounds it (a full memory never forgets an id inside its window): at ${fmt(fastest, 1)} events/s, the most one n8n took
in this run, the default 60-minute window holds ${fmt(windowIds)} ids, about ${fmt(windowMiB, 1)} MiB. The rest of the growth is n8n's own (V8 heap growth under load, caches,
SQLite pages) and appears in the same way for its Webhook node.

${profileSection(data.profile, { lazyRatio })}
${data.queue ? queueSection(data.queue, anon, facts) : '## 6. Queue mode\n\nNot part of this run: `npm run bench -- --queue` adds it.\n'}`;
	await fs.writeFile(path.join(REPO_ROOT, 'BENCHMARKS.md'), text);
}
