// Sections 2–4 of BENCHMARKS.md, in a real n8n: the Anon Trigger vs n8n's own Webhook node
// (alternating rounds of the same load), the same load with bad signatures, and n8n's
// resident memory while events with distinct svix-ids go through with redelivery
// protection on. Wrong results (answers, execution counts) are reported to `expect`.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { deliveryHeaders, exampleBody, newSigningSecret } from '../../test/harness/events.mjs';
import { fire, statusCounts } from '../../test/harness/load.mjs';
import { N8nClient, startN8n } from '../../test/harness/n8n.mjs';
import { REPO_ROOT, installPackage } from '../../test/harness/package.mjs';
import { log, sleep, waitFor } from '../../test/harness/process.mjs';
import { noOpWorkflow } from '../../test/harness/workflows.mjs';

/**
 * A fresh n8n (extra `env` on top of the harness defaults) with two active workflows of the
 * same shape: Anon Trigger → No Operation, and n8n's Webhook node → No Operation; warmed up.
 */
export async function benchInstance(packed, { env = {}, concurrency }) {
	const userFolder = await fs.mkdtemp(path.join(os.tmpdir(), 'anon-bench-'));
	await installPackage(userFolder, packed);
	const n8n = await startN8n({ userFolder, env });
	const client = new N8nClient(n8n.baseUrl);
	await client.setUp();
	const secret = newSigningSecret();
	const credential = await client.createCredential({ name: 'Anon bench', signingSecret: secret });
	const anon = await activeWorkflow(client, n8n, noOpWorkflow({ name: 'bench: Anon Trigger', credentialId: credential.id, credentialName: credential.name }));
	const webhook = await activeWorkflow(client, n8n, webhookNodeWorkflow());
	const body = await exampleBody('workflow_run.failed');
	const signed = (url, sign = secret) => () => ({ url, body, headers: deliveryHeaders({ secret: sign, body }) });
	log('warm-up');
	await fire(100, signed(anon.url), { concurrency });
	await fire(100, signed(webhook.url), { concurrency });
	const stop = async () => {
		await n8n.stop();
		await fs.rm(userFolder, { recursive: true, force: true });
	};
	return { n8n, client, anon, webhook, signed, stop, concurrency };
}

/** `events` into each workflow in `rounds` rounds, alternating; checks answers and executions. */
export async function compareTriggers({ client, anon, webhook, signed, concurrency }, { events, rounds, expect }) {
	const baseline = await settle(client, [anon, webhook]);
	const runs = { anon: [], webhook: [] };
	for (let round = 0; round < rounds; round++) {
		for (const name of round % 2 === 0 ? ['anon', 'webhook'] : ['webhook', 'anon']) {
			const target = name === 'anon' ? anon : webhook;
			runs[name].push(await fire(events / rounds, signed(target.url), { concurrency }));
		}
	}
	const counts = await settle(client, [anon, webhook]);
	const executed = { anon: counts[anon.id] - baseline[anon.id], webhook: counts[webhook.id] - baseline[webhook.id] };
	expect.statuses('Anon Trigger, valid events', runs.anon.flatMap((r) => r.results), 200);
	expect.statuses('Webhook node', runs.webhook.flatMap((r) => r.results), 200);
	expect.equal('executions of the Anon Trigger workflow', executed.anon, events);
	expect.equal('executions of the Webhook node workflow', executed.webhook, events);
	return { runs, executed, events };
}

/** The same load into the Anon Trigger, each request signed with a different, wrong secret. */
export async function benchRejections({ client, anon, signed, concurrency }, { events, rounds, expect }) {
	const before = (await settle(client, [anon]))[anon.id];
	const runs = [];
	for (let round = 0; round < rounds; round++) {
		runs.push(await fire(events / rounds, signed(anon.url, newSigningSecret()), { concurrency }));
	}
	const executed = (await settle(client, [anon]))[anon.id] - before;
	expect.statuses('Anon Trigger, bad signatures', runs.flatMap((r) => r.results), 401);
	expect.equal('executions created by bad signatures', executed, 0);
	return { runs, executed };
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

/** Execution counts by workflow id, once n8n has saved them all. */
const settle = (client, workflows) => client.settledExecutionCounts(workflows.map((workflow) => workflow.id));

function rssMiB(pid) {
	const status = execFileSync('cat', [`/proc/${pid}/status`], { encoding: 'utf8' });
	return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024;
}

/** Heap bytes one remembered svix-id costs in our RedeliveryGuard (measured in a child Node). */
export function guardBytesPerId() {
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
