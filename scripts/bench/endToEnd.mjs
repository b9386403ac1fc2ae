// Sections 2–4 of BENCHMARKS.md, in a real n8n: the Anon Trigger vs the Min Trigger (the
// cheapest community trigger, fixtures/min-trigger) vs n8n's own Webhook node (rotating
// rounds of the same load), the same load with bad signatures, and n8n's
// resident memory while events with distinct svix-ids go through with redelivery
// protection on. Wrong results (answers, execution counts) are reported to `expect`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { deliveryHeaders, exampleBody, newSigningSecret } from '../../tools/harness/signedEvents.mjs';
import { fire, mergeCounts, statusCounts } from '../../tools/harness/load.mjs';
import { N8nClient, startN8n } from '../../tools/harness/n8n.mjs';
import { REPO_ROOT, installMinTrigger, installPackage } from '../../tools/harness/package.mjs';
import { log, sleep, waitFor } from '../../tools/harness/process.mjs';
import { minTriggerWorkflow, noOpWorkflow, triggerUrl, webhookNodeWorkflow } from '../../tools/harness/workflows.mjs';
import { WEBHOOK_CODE_ENV, webhookCodeWorkflow } from './webhookCode.mjs';

// The triggers compared, by the key their numbers have everywhere. `anonFinished` is the Anon
// Trigger with Acknowledge "When the Workflow Finishes" (n8n answers after the run);
// `webhookCode` what users build instead (webhookCode.mjs), answering after its run too.
export const TRIGGERS = ['anon', 'anonFinished', 'min', 'webhook', 'webhookCode'];

/**
 * A fresh n8n (extra `env` on top of the harness defaults) with three active workflows of the
 * same shape, trigger → No Operation: the Anon Trigger, the Min Trigger (installed beside
 * the package) and n8n's Webhook node; warmed up.
 */
export async function benchInstance(packed, { env = {}, concurrency }) {
	const userFolder = await fs.mkdtemp(path.join(os.tmpdir(), 'anon-bench-'));
	await installPackage(userFolder, packed);
	await installMinTrigger(userFolder);
	const n8n = await startN8n({ userFolder, env: { ...WEBHOOK_CODE_ENV, ...env } });
	const client = new N8nClient(n8n.baseUrl);
	await client.setUp();
	const secret = newSigningSecret();
	const credential = await client.createCredential({
		name: 'Anon bench',
		signingSecret: secret,
	});
	const workflows = {
		anon: await activeWorkflow(
			client,
			n8n,
			noOpWorkflow({
				name: 'bench: Anon Trigger',
				credentialId: credential.id,
				credentialName: credential.name,
			}),
		),
		anonFinished: await activeWorkflow(
			client,
			n8n,
			noOpWorkflow({
				name: 'bench: Anon Trigger, When the Workflow Finishes',
				credentialId: credential.id,
				credentialName: credential.name,
				options: { acknowledge: 'lastNode' },
			}),
		),
		min: await activeWorkflow(client, n8n, minTriggerWorkflow({ name: 'bench: Min Trigger' })),
		webhook: await activeWorkflow(client, n8n, webhookNodeWorkflow({ name: 'bench: Webhook node' })),
		webhookCode: await activeWorkflow(client, n8n, webhookCodeWorkflow({ name: 'bench: Webhook + Code node', secret })),
	};
	const body = await exampleBody('workflow_run.failed');
	const signed = (url, sign = secret) => () => ({ url, body, headers: deliveryHeaders({ secret: sign, body }) });
	log('warm-up');
	for (const name of TRIGGERS) await fire(100, signed(workflows[name].url), { concurrency });
	const stop = async () => {
		await n8n.stop();
		await fs.rm(userFolder, { recursive: true, force: true });
	};
	return {
		n8n,
		client,
		workflows,
		anon: workflows.anon,
		handBuilt: workflows.webhookCode,
		signed,
		stop,
		concurrency,
	};
}

/**
 * The order of the triggers' slices in each turn: turn `turn` of round `round` starts with
 * trigger `round` and steps through the list by a step that changes every turn (1, 2, 3, 4 for
 * five triggers), so each trigger's slices follow every other trigger's about equally often.
 * With one fixed order a trigger always follows the same neighbour, and would inherit whatever
 * that neighbour leaves behind for every one of its slices.
 */
export function sliceOrder(round, turn, names = TRIGGERS) {
	const n = names.length;
	const gcd = (a, b) => (b === 0 ? a : gcd(b, a % b));
	const steps = Array.from({ length: Math.max(n - 1, 1) }, (_, i) => i + 1).filter((k) => gcd(k, n) === 1);
	const step = steps[turn % steps.length];
	return names.map((_, i) => names[(round + i * step) % n]);
}

/**
 * `events` into each workflow in `rounds` rounds. Within a round the triggers take turns
 * slice by slice (`slice` events each, in sliceOrder), so neighbouring slices see the same load
 * (it drifts by a factor of 2 within minutes on this machine). A round's numbers for a trigger
 * are its slices together. Checks answers and executions of every trigger. Also returns each
 * slice's throughput with the trigger whose slice came before it.
 */
export async function compareTriggers({ client, workflows, signed, concurrency }, { events, rounds, slice = 100, expect }) {
	const all = TRIGGERS.map((name) => workflows[name]);
	const baseline = await settle(client, all);
	const runs = Object.fromEntries(TRIGGERS.map((name) => [name, []]));
	const slices = [];
	const perRound = events / rounds;
	let turn = 0;
	let previous = null;
	for (let round = 0; round < rounds; round++) {
		const current = Object.fromEntries(TRIGGERS.map((name) => [name, { results: [], wallMs: 0 }]));
		for (let sent = 0; sent < perRound; sent += slice, turn++) {
			for (const name of sliceOrder(round, turn)) {
				const run = await fire(Math.min(slice, perRound - sent), signed(workflows[name].url), { concurrency });
				current[name].results.push(...run.results);
				current[name].wallMs += run.wallMs;
				slices.push({ name, after: previous, perSecond: run.results.length / (run.wallMs / 1000) });
				previous = name;
			}
		}
		for (const name of TRIGGERS) runs[name].push(current[name]);
	}
	const counts = await settle(client, all);
	const executed = Object.fromEntries(TRIGGERS.map((name) => [name, counts[workflows[name].id] - baseline[workflows[name].id]]));
	for (const name of TRIGGERS) {
		expect.statuses(
			`${workflows[name].name}, valid events`,
			runs[name].flatMap((r) => r.results),
			200,
		);
		expect.equal(`executions of the ${workflows[name].name} workflow`, executed[name], events);
	}
	return { runs, executed, events, rounds, slices };
}

/**
 * The same load, each request signed with a different, wrong secret: into the Anon Trigger, and
 * into the hand-built Webhook + Code node verifier (round by round, alternating), which answers
 * after its Code node has thrown and n8n has recorded the failed execution.
 */
export async function benchRejections({ client, anon, handBuilt, signed, concurrency }, { events, rounds, expect }) {
	const before = await settle(client, [anon, handBuilt]);
	const failedBefore = (await client.executions(handBuilt.id, { includeData: false, status: 'error' })).length;
	const runs = [];
	const handBuiltRuns = [];
	for (let round = 0; round < rounds; round++) {
		runs.push(await fire(events / rounds, signed(anon.url, newSigningSecret()), { concurrency }));
		handBuiltRuns.push(await fire(events / rounds, signed(handBuilt.url, newSigningSecret()), { concurrency }));
	}
	const after = await settle(client, [anon, handBuilt]);
	const executed = after[anon.id] - before[anon.id];
	expect.statuses('Anon Trigger, bad signatures', runs.flatMap((r) => r.results), 401);
	expect.equal('executions created by bad signatures', executed, 0);
	const failed = (await client.executions(handBuilt.id, { includeData: false, status: 'error' })).length - failedBefore;
	return { runs, executed, handBuilt: { runs: handBuiltRuns, executed: after[handBuilt.id] - before[handBuilt.id], failed } };
}

/** n8n's resident memory after each of `steps` batches of `events` in all, and 10 s later. */
export async function benchMemory({ client, anon, signed, n8n, concurrency }, { events, steps, expect }) {
	const before = (await settle(client, [anon]))[anon.id];
	const rss = () => rssMiB(n8n.pid);
	const memory = [{ events: 0, rssMiB: rss() }];
	const step = events / steps;
	let statuses = {};
	for (let i = 1; i <= steps; i++) {
		const run = await fire(step, signed(anon.url), { concurrency });
		statuses = mergeCounts(statuses, statusCounts(run.results));
		await settle(client, [anon]);
		memory.push({ events: i * step, rssMiB: rss() });
		log(`  ${i * step} events: n8n RSS ${memory.at(-1).rssMiB.toFixed(0)} MiB`);
	}
	await sleep(10_000);
	memory.push({ events, rssMiB: rss(), note: '10 s later' });
	const executed = (await settle(client, [anon]))[anon.id] - before;
	expect.equal('executions of the memory run', executed, events);
	if ((statuses[200] ?? 0) !== events) expect.problem(`memory run answers: ${JSON.stringify(statuses)}`);
	return { memory, executed, events };
}

async function activeWorkflow(client, n8n, definition) {
	const created = await client.createWorkflow(definition);
	const url = triggerUrl(n8n.baseUrl, definition);
	// Activation returns a moment before the webhook answers (404 until then). The probe may
	// start an execution of the Min Trigger or Webhook node workflow; counts are taken
	// relative to a baseline.
	await waitFor(async () => (await fetch(url, { method: 'POST', body: '{}' })).status !== 404, { what: `${definition.name} webhook` });
	return { id: created.id, name: definition.name, url };
}

/** Execution counts by workflow id, once n8n has saved them all. */
const settle = (client, workflows) => client.settledExecutionCounts(workflows.map((workflow) => workflow.id));

function rssMiB(pid) {
	const status = execFileSync('cat', [`/proc/${pid}/status`], {
		encoding: 'utf8',
	});
	return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

/**
 * Heap bytes one accepted event costs in our RedeliveryGuard at the defaults (its id for the
 * window, its signed request until no tolerance lets it verify), measured in a child Node.
 */
export function guardBytesPerId() {
	const script = `
		const { RedeliveryGuard } = require(${JSON.stringify(path.join(REPO_ROOT, 'dist/nodes/Anon/trigger/redeliveryGuard.js'))});
		const guard = new RedeliveryGuard();
		const signedAt = Math.floor(Date.now() / 1000);
		global.gc(); const before = process.memoryUsage().heapUsed;
		for (let i = 0; i < 200000; i++) { const id = 'msg_' + i.toString(36).padStart(27, '-'); guard.claim(id, signedAt, { windowMs: 3600000 }, i / 1000).settle(true, i / 1000); }
		global.gc(); console.log((process.memoryUsage().heapUsed - before) / 200000);`;
	return Number(
		execFileSync(process.execPath, ['--expose-gc', '-e', script], {
			encoding: 'utf8',
		}).trim(),
	);
}
