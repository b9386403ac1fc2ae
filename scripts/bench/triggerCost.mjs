#!/usr/bin/env node
// Where does the Anon Trigger's throughput go, next to the cheapest community
// trigger n8n can run? One n8n, with, side by side:
//   - min      the Min Trigger (fixtures/min-trigger): emits the body, verifies nothing
//   - VARIANTS copies of it that add ONE of the Anon Trigger's steps each
//              (trigger-variants/variants.cjs), using the package's own compiled code for that step
//   - anon     the Anon Trigger itself, and `anon-forged` (bad signatures, answered 401)
//   - webhook  n8n's Webhook node (typeVersion 2), with --webhook
// each as trigger → No Operation, `--events` signed workflow_run.failed events per trigger and
// round at concurrency 16, in slices of `--slice` events, the triggers taking turns slice by
// slice (each round starts one trigger later). Each variant
// answers with the wall-clock time its step took (performance.now() around it), so the
// table shows what the step costs under load, waiting included, not only CPU self time.
//
//   node scripts/bench/triggerCost.mjs [--rounds 3] [--events 400] [--slice 100] [--lazy] [--webhook]
//        [--only min,cred,anon] [--out results.json]
//
// With --queries N it measures no throughput: n8n logs its SQL (DB_LOGGING_ENABLED), each
// trigger gets N events one at a time, and the table counts the queries per event and lists
// those that come at least once every two events more or fewer than with the Min Trigger
// (what a step makes n8n ask its database).
//
// The variants and the Min Trigger are installed into the throwaway n8n's nodes folder
// only; nothing here ships in the package. A measurement: it exits non-zero only on wrong
// results (a status other than the expected one, a lost or extra execution).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { exampleBody, newSigningSecret, svixHeaders } from '../../tools/harness/signedEvents.mjs';
import { fire, percentile, statusCounts } from '../../tools/harness/load.mjs';
import { N8nClient, startN8n } from '../../tools/harness/n8n.mjs';
import { buildAndPack, installMinTrigger, installPackage, listInNodesFolder } from '../../tools/harness/package.mjs';
import { log, onInterrupt, stopAllServers, waitFor } from '../../tools/harness/process.mjs';
import { ensureN8n } from '../../tools/harness/runtime.mjs';
import { minTriggerWorkflow, noOpWorkflow, webhookNodeWorkflow, withNoOp } from '../../tools/harness/workflows.mjs';

const VARIANT_PACKAGE = 'n8n-nodes-trigvariants';
// The variants: the Min Trigger plus one of the Anon Trigger's steps each (real code, linted
// and readable where it lies), installed into the throwaway n8n by installVariants().
const VARIANTS_DIR = fileURLToPath(new URL('./trigger-variants/', import.meta.url));
const { VARIANTS, className, nodeName } = createRequire(import.meta.url)('./trigger-variants/variants.cjs');

const { values: args } = parseArgs({
	options: {
		rounds: { type: 'string', default: '3' },
		events: { type: 'string', default: '400' },
		concurrency: { type: 'string', default: '16' },
		slice: { type: 'string', default: '100' },
		lazy: { type: 'boolean', default: false },
		webhook: { type: 'boolean', default: false },
		only: { type: 'string' },
		out: { type: 'string' },
		queries: { type: 'string' },
	},
});
const ROUNDS = Number(args.rounds);
const EVENTS = Number(args.events);
const CONCURRENCY = Number(args.concurrency);
const WARM_UP = 50;
// A round sends each trigger its events in slices, the triggers taking turns slice by slice:
// the machine's load drifts by a factor of 2 within minutes here, and neighbouring slices
// see the same load.
const SLICE = Math.min(Number(args.slice), EVENTS);

const ALL_TRIGGERS = ['min', ...Object.keys(VARIANTS), 'anon', 'anon-forged', ...(args.webhook ? ['webhook'] : [])];
const TRIGGERS = args.only ? args.only.split(',') : ALL_TRIGGERS;

// ---------------------------------------------------------------------------------------

async function main() {
	log(`trigger cost: ${TRIGGERS.join(', ')}; ${ROUNDS} rounds × ${EVENTS} events, concurrency ${CONCURRENCY}${args.lazy ? ', N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE=true' : ''}`);
	await ensureN8n();
	const packed = await buildAndPack();
	const userFolder = await fs.mkdtemp(path.join(os.tmpdir(), 'anon-trigcost-'));
	onInterrupt(() => fs.rm(userFolder, { recursive: true, force: true }));
	try {
		const secret = newSigningSecret();
		await installPackage(userFolder, packed);
		await installMinTrigger(userFolder);
		await installVariants(userFolder, secret);
		const env = args.lazy ? { N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE: 'true' } : {};
		if (args.queries) Object.assign(env, { DB_LOGGING_ENABLED: 'true', DB_LOGGING_OPTIONS: 'query' });
		const n8n = await startN8n({ userFolder, env });
		const client = new N8nClient(n8n.baseUrl);
		await client.setUp();
		const credential = await client.createCredential({ name: 'Anon trigger cost', signingSecret: secret });
		const body = await exampleBody('workflow_run.failed');

		const targets = {};
		for (const name of TRIGGERS) {
			const definition = workflowFor(name, credential);
			const created = name === 'anon-forged' ? targets.anon?.workflow : await client.createWorkflow(definition.workflow);
			if (!created) throw new Error('anon-forged needs anon in --only');
			const url = name === 'anon-forged' ? targets.anon.url : n8n.baseUrl + definition.urlPath;
			const sign = name === 'anon-forged' ? newSigningSecret() : secret;
			targets[name] = {
				workflow: created,
				url,
				expect: name === 'anon-forged' ? 401 : 200,
				request: () => ({ url, body, headers: { 'content-type': 'application/json', ...svixHeaders({ secret: sign, body }) } }),
			};
			// Registered once the URL stops answering n8n's 404.
			await waitFor(async () => (await fetch(url, { method: 'OPTIONS' })).status !== 404, { what: `${name} webhook` });
		}
		log('warm-up');
		for (const name of TRIGGERS) await fire(WARM_UP, targets[name].request, { concurrency: CONCURRENCY });
		const workflowIds = [...new Set(Object.values(targets).map((t) => t.workflow.id))];
		if (args.queries) {
			await countQueries(n8n, client, targets, workflowIds, Number(args.queries));
			await n8n.stop();
			return;
		}
		const baseline = await client.settledExecutionCounts(workflowIds);

		const runs = Object.fromEntries(TRIGGERS.map((name) => [name, []]));
		for (let round = 0; round < ROUNDS; round++) {
			// Each round starts one trigger later, so none always goes first or last.
			const order = TRIGGERS.map((_, i) => TRIGGERS[(i + round) % TRIGGERS.length]);
			const slices = Object.fromEntries(TRIGGERS.map((name) => [name, { results: [], wallMs: 0 }]));
			for (let sent = 0; sent < EVENTS; sent += SLICE) {
				for (const name of order) {
					const run = await fire(Math.min(SLICE, EVENTS - sent), targets[name].request, { concurrency: CONCURRENCY });
					slices[name].results.push(...run.results);
					slices[name].wallMs += run.wallMs;
				}
			}
			for (const name of order) {
				runs[name].push(slices[name]);
				log(`  round ${round + 1} ${name.padEnd(12)} ${(EVENTS / (slices[name].wallMs / 1000)).toFixed(1).padStart(6)} events/s  ${JSON.stringify(statusCounts(slices[name].results))}`);
			}
		}

		const counts = await client.settledExecutionCounts(workflowIds);
		const problems = [];
		for (const name of TRIGGERS) {
			const results = runs[name].flatMap((r) => r.results);
			const wrong = results.filter((r) => r.status !== targets[name].expect).length;
			if (wrong) problems.push(`${name}: ${wrong} answers were not ${targets[name].expect} (${JSON.stringify(statusCounts(results))})`);
			if (name === 'anon-forged') continue;
			const id = targets[name].workflow.id;
			const executed = counts[id] - baseline[id];
			if (executed !== EVENTS * ROUNDS) problems.push(`${name}: ${executed} executions for ${EVENTS * ROUNDS} events (forged included: 0 expected)`);
		}
		await n8n.stop();

		const summary = summarise(runs);
		printTable(summary);
		if (args.out) {
			await fs.writeFile(args.out, JSON.stringify({ args, summary, machine: { cpus: os.cpus().length, load: os.loadavg() } }, null, 2));
			log(`results written to ${args.out}`);
		}
		if (problems.length) {
			console.error(`wrong results:\n  ${problems.join('\n  ')}`);
			process.exitCode = 1;
		}
	} finally {
		await stopAllServers();
		await fs.rm(userFolder, { recursive: true, force: true });
	}
}

// ---------------------------------------------------------------------------------------
// The reference and the variants, installed beside the package
// ---------------------------------------------------------------------------------------

/**
 * Installs trigger-variants/ as a community package: its module, the signing secret it verifies
 * with, and the one-line entry file per variant that n8n's loader needs (one class per file).
 */
async function installVariants(userFolder, secret) {
	const dir = path.join(userFolder, '.n8n', 'nodes', 'node_modules', VARIANT_PACKAGE);
	await fs.mkdir(dir, { recursive: true });
	const names = Object.keys(VARIANTS);
	await fs.writeFile(
		path.join(dir, 'package.json'),
		JSON.stringify({
			name: VARIANT_PACKAGE,
			version: '0.0.1',
			keywords: ['n8n-community-node-package'],
			n8n: { n8nNodesApiVersion: 1, nodes: names.map((name) => `${className(name)}.node.js`) },
		}),
	);
	await fs.copyFile(path.join(VARIANTS_DIR, 'variants.cjs'), path.join(dir, 'variants.cjs'));
	await fs.writeFile(path.join(dir, 'secret.json'), JSON.stringify({ signingSecret: secret }));
	for (const name of names) {
		await fs.writeFile(path.join(dir, `${className(name)}.node.js`), `module.exports = require('./variants.cjs').variantNode(${JSON.stringify(name)});\n`);
	}
	await listInNodesFolder(userFolder, VARIANT_PACKAGE, '0.0.1');
}

function workflowFor(name, credential) {
	const webhookId = randomUUID();
	const workflowName = `cost: ${name}`;
	if (name === 'anon' || name === 'anon-forged') {
		const workflow = noOpWorkflow({ name: workflowName, webhookId, credentialId: credential.id, credentialName: credential.name });
		return { workflow, urlPath: `/webhook/${webhookId}/anon` };
	}
	if (name === 'webhook') return { workflow: webhookNodeWorkflow({ name: workflowName, webhookId }), urlPath: `/webhook/${webhookId}` };
	if (name === 'min') return { workflow: minTriggerWorkflow({ name: workflowName, webhookId }), urlPath: `/webhook/${webhookId}/min` };
	const trigger = {
		id: randomUUID(),
		name: 'Trigger',
		type: `${VARIANT_PACKAGE}.${nodeName(name)}`,
		typeVersion: 1.1,
		position: [0, 0],
		webhookId,
		parameters: { events: ['*'], options: {} },
	};
	if (VARIANTS[name]?.credentials) trigger.credentials = { anonWebhookApi: { id: credential.id, name: credential.name } };
	return { workflow: withNoOp(workflowName, trigger), urlPath: `/webhook/${webhookId}/${name}` };
}

// ---------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------

/** --queries: n8n's SQL per event for each trigger, one event at a time, and how it differs from the Min Trigger's. */
async function countQueries(n8n, client, targets, workflowIds, events) {
	const perTrigger = {};
	for (const name of TRIGGERS) {
		const before = (await fs.stat(n8n.logFile)).size;
		const run = await fire(events, targets[name].request, { concurrency: 1 });
		const wrong = run.results.filter((r) => r.status !== targets[name].expect).length;
		if (wrong) throw new Error(`${name}: ${wrong} answers were not ${targets[name].expect}`);
		// Every execution saved (its last queries logged) before the log is read.
		await client.settledExecutionCounts(workflowIds);
		const text = (await fs.readFile(n8n.logFile)).subarray(before).toString('utf8');
		const counts = new Map();
		for (const line of text.split('\n')) {
			// Ids, sizes and dates differ per execution; the statement is what is counted.
			const query = /query: (.*?)(?: -- PARAMETERS:.*)?$/.exec(line)?.[1]?.replace(/\d+/g, 'N');
			if (query) counts.set(query, (counts.get(query) ?? 0) + 1);
		}
		perTrigger[name] = counts;
	}
	const total = (counts) => [...counts.values()].reduce((a, b) => a + b, 0);
	const reference = perTrigger.min ?? new Map();
	console.log(`\n| trigger | queries per event | differs from the Min Trigger (count per event: statement) |\n| --- | ---: | --- |`);
	for (const [name, counts] of Object.entries(perTrigger)) {
		const differing = [...new Set([...counts.keys(), ...reference.keys()])]
			// n8n's periodic jobs add a fraction of a query per event anywhere; a step's queries come once per event.
			.filter((query) => Math.abs((counts.get(query) ?? 0) - (reference.get(query) ?? 0)) >= events / 2)
			.map((query) => `${(((counts.get(query) ?? 0) - (reference.get(query) ?? 0)) / events).toFixed(2)}: \`${query.slice(0, 160)}\``);
		console.log(`| ${name} | ${(total(counts) / events).toFixed(2)} | ${differing.join('<br>')} |`);
	}
}

function summarise(runs) {
	const summary = {};
	for (const [name, list] of Object.entries(runs)) {
		const perRound = list.map((run) => run.results.length / (run.wallMs / 1000));
		const latencies = list.flatMap((run) => run.results.map((r) => r.ms));
		const steps = list.flatMap((run) => run.results.map((r) => stepMs(r.body)).filter((ms) => ms !== undefined));
		summary[name] = {
			perRound,
			eventsPerSecond: median(perRound),
			p50: percentile(latencies, 50),
			p99: percentile(latencies, 99),
			step: steps.length ? { p50: percentile(steps, 50), p99: percentile(steps, 99), mean: steps.reduce((a, b) => a + b, 0) / steps.length } : undefined,
		};
	}
	// Ratios to the Min Trigger and to the Webhook node per round (slices interleaved in time),
	// then the median and range over rounds.
	for (const [reference, key] of [['min', 'vsMin'], ['webhook', 'vsWebhook']]) {
		if (!runs[reference]) continue;
		for (const name of Object.keys(runs)) {
			const ratios = summary[name].perRound.map((rate, i) => rate / summary[reference].perRound[i]);
			summary[name][key] = { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
		}
	}
	return summary;
}

function stepMs(body) {
	try {
		return JSON.parse(body).stepMs;
	} catch {
		return undefined;
	}
}

function median(values) {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function printTable(summary) {
	const ratio = (r) => (r ? `${r.median.toFixed(2)} (${r.min.toFixed(2)}–${r.max.toFixed(2)})` : '');
	const rows = [['trigger', 'events/s (median; rounds)', '× Min (median, range)', '× Webhook node', 'p50 ms', 'p99 ms', 'step ms p50 / p99 / mean', 'what it adds']];
	for (const [name, s] of Object.entries(summary)) {
		rows.push([
			name,
			`${s.eventsPerSecond.toFixed(1)} (${s.perRound.map((r) => r.toFixed(1)).join(', ')})`,
			ratio(s.vsMin),
			ratio(s.vsWebhook),
			s.p50.toFixed(0),
			s.p99.toFixed(0),
			s.step ? `${s.step.p50.toFixed(2)} / ${s.step.p99.toFixed(2)} / ${s.step.mean.toFixed(2)}` : '',
			VARIANTS[name]?.what ?? { min: 'Min Trigger (reference)', anon: 'Anon Trigger', 'anon-forged': 'Anon Trigger, bad signatures (401)', webhook: "n8n's Webhook node v2" }[name],
		]);
	}
	console.log(`\n| ${rows[0].join(' | ')} |\n| ${rows[0].map(() => '---').join(' | ')} |`);
	for (const row of rows.slice(1)) console.log(`| ${row.join(' | ')} |`);
}

// On Ctrl-C, process.mjs stops every server this run started; main's finally stops them otherwise.
main().catch((error) => {
	console.error(error);
	process.exit(1);
});
