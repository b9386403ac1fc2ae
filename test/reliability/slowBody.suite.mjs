// Slow bodies: 150 connections to a trigger's production URL, each with plausible
// svix-* headers, Content-Length 1,000,000 and then one byte per second, while 100 valid signed
// events go to the Anon Trigger. One fresh n8n (default settings) holds both the Anon Trigger
// and the Min Trigger (fixtures/min-trigger: what any community trigger costs, never
// shipped), so the two are compared under the same conditions; each case gets a fresh n8n
// process. Prints a table: n8n's RSS before, at its peak and after, slow requests still open
// at 40 s, valid-event latency.
//
//   node --test test/reliability/slowBody.suite.mjs      (about 3 minutes; SLOW_BODY_JSON=1: 5)
//
// Passes when, with octet-stream bodies, the Anon Trigger does no worse than the Min Trigger
// on every column (tolerances below). The JSON rows are measured, not asserted: n8n reads JSON
// bodies itself, before any node runs, for every community trigger alike.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { exampleBody, newSigningSecret, svixHeaders } from '../../tools/harness/signedEvents.mjs';
import { N8nClient, startN8n, waitForAnonWebhook } from '../../tools/harness/n8n.mjs';
import { buildAndPack, installMinTrigger, installPackage } from '../../tools/harness/package.mjs';
import { log, sleep, stopAllServers, waitFor } from '../../tools/harness/process.mjs';
import { ensureN8n } from '../../tools/harness/runtime.mjs';
import { noOpWorkflow } from '../../tools/harness/workflows.mjs';
import { SVIX_TIMEOUT_MS, percentile, statusCounts } from '../../tools/harness/load.mjs';
import { paced, rssMiB, sampleRss, startSlowBodies } from '../../tools/harness/slowSenders.mjs';

const SLOW = 150;
const VALID = 100;
const WINDOW_MS = 40_000;
// Tolerances for "no worse than the Min Trigger", set against run-to-run noise and far below
// the failure they guard against (150 held isolates: ≈ 1.2 GiB, p99 ≈ 13 s, 150 open):
// - RSS: n8n's RSS moves by tens of MiB between runs (GC timing, SQLite page cache, the
//   executions being written); 100 MiB is about 12 of the ≈ 8 MiB isolates.
// - p99 of 100 events is their second-slowest, moved by a single GC pause or SQLite
//   checkpoint: within 1.5× the Min Trigger's, or under 2 s (far inside Svix's 15 s).
// - Still open at 40 s: counted exactly; no tolerance.
const RSS_TOLERANCE_MIB = 100;
const P99_FACTOR = 1.5;
const P99_FLOOR_MS = 2000;

const SECRET = newSigningSecret();
const ctx = {};
const rows = [];

function minTriggerWorkflow(webhookId) {
	return {
		name: 'slow bodies: Min Trigger',
		nodes: [
			{
				id: randomUUID(),
				name: 'Min Trigger',
				type: 'n8n-nodes-mintrig.minTrigger',
				typeVersion: 1.1,
				position: [0, 0],
				webhookId,
				parameters: {},
			},
		],
		connections: {},
	};
}

const template = JSON.parse(await exampleBody('workflow_run.failed'));

/** A distinct signed workflow_run.failed event for the Anon Trigger, signed now. */
function validEvent() {
	const body = JSON.stringify({ ...template, id: `evt_slow${randomUUID().replaceAll('-', '')}` });
	return {
		url: ctx.anonUrl,
		body,
		headers: { 'content-type': 'application/json', ...svixHeaders({ secret: SECRET, body }) },
	};
}

/**
 * Starts n8n (again: every case gets a fresh process on the same installation, so one case's
 * leftovers, such as memory not yet returned or requests still held, do not bias the next)
 * and waits until both triggers answer.
 */
async function startFreshN8n() {
	if (ctx.n8nIsFresh) ctx.n8nIsFresh = false;
	else {
		await ctx.n8n.stop();
		ctx.n8n = await startN8n({ userFolder: ctx.userFolder, port: ctx.n8n.port });
	}
	ctx.anonUrl = `${ctx.n8n.baseUrl}/webhook/${ctx.anonWebhookId}/anon`;
	ctx.minUrl = `${ctx.n8n.baseUrl}/webhook/${ctx.minWebhookId}/min`;
	await waitForAnonWebhook(ctx.anonUrl, { what: 'the Anon Trigger webhook' });
	await waitFor(async () => (await fetch(ctx.minUrl, { method: 'POST', body: '{}' })).status === 200, {
		what: 'the Min Trigger webhook',
	});
	await sleep(3000); // start-up work settles before the RSS baseline
}

/**
 * One case in a fresh n8n process: the slow connections to the target trigger; valid events to
 * the Anon Trigger from 3 s in (5 per second for 20 s); n8n's RSS sampled every second; at 40 s
 * the still-open count; then the slow connections are closed and RSS is read again 3 s later.
 * A valid event's latency is its answer time if 2xx, else Svix's 15 s limit (Svix counts a
 * non-2xx answer as a failed delivery, as it does an answer later than that).
 */
async function slowBodyCase(target, contentType) {
	await startFreshN8n();
	const url = target === 'Anon Trigger' ? ctx.anonUrl : ctx.minUrl;
	const { pid } = ctx.n8n;
	const rssBefore = rssMiB(pid);
	const sampler = sampleRss(pid);
	const started = Date.now();
	const attack = await startSlowBodies(url, { count: SLOW, contentType });
	await sleep(3000);
	const valid = paced(VALID, validEvent, { perSecond: 5, timeoutMs: SVIX_TIMEOUT_MS });
	await sleep(Math.max(0, WINDOW_MS - (Date.now() - started)));
	const at40 = attack.stats();
	const { results } = await valid;
	attack.stop();
	const { peak } = sampler.stop();
	await sleep(3000);
	const ok = (r) => r.status >= 200 && r.status < 300;
	const latencies = results.map((r) => (ok(r) ? r.ms : SVIX_TIMEOUT_MS));
	const row = {
		target,
		contentType,
		rssBefore,
		rssPeak: peak,
		rssAfter: rssMiB(pid),
		...at40,
		validOk: results.filter(ok).length,
		validAnswers: statusCounts(results),
		p50: percentile(latencies, 50),
		p99: percentile(latencies, 99),
	};
	rows.push(row);
	log(
		`${target}, ${contentType}: RSS ${mib(rssBefore)} → peak ${mib(peak)} → after ${mib(row.rssAfter)}; ` +
			`${row.open} of ${row.connected} requests still open at 40 s (answers ${JSON.stringify(row.answered)}, connections open ${row.connectionsOpen}, errors ${row.errors.join(',') || 'none'}); ` +
			`valid: answers ${JSON.stringify(row.validAnswers)} (0 = no answer within 15 s), p50 ${ms(row.p50)}, p99 ${ms(row.p99)}`,
	);
	assert.equal(row.connected, SLOW, 'every slow connection was established (else nothing was measured)');
	return row;
}

/** A test body that records its failure (the user folder is then kept for n8n.log). */
const recorded = (fn) => async () => {
	try {
		await fn();
	} catch (error) {
		ctx.failed = true;
		throw error;
	}
};

const mib = (value) => `${Math.round(value).toLocaleString('en')} MiB`;
const ms = (value) => `${(value / 1000).toFixed(2)} s`;

function printTable() {
	const lines = [
		'| Target, body type | n8n RSS before → peak (after) | RSS growth | slow requests still open at 40 s | answers to slow requests (connections still open) | valid events 2xx | p50 | p99 |',
		'| --- | --- | ---: | ---: | --- | ---: | ---: | ---: |',
		...rows.map(
			(r) =>
				`| ${r.target}, ${r.contentType} | ${mib(r.rssBefore)} → ${mib(r.rssPeak)} (${mib(r.rssAfter)}) | ${mib(r.rssPeak - r.rssBefore)} | ${r.open} of ${r.connected} | ${JSON.stringify(r.answered)} (${r.connectionsOpen}) | ${r.validOk} of ${VALID} | ${ms(r.p50)} | ${ms(r.p99)} |`,
		),
	];
	console.log(`\nSlow bodies: ${SLOW} connections × 1 byte/s, ${VALID} valid events to the Anon Trigger, one n8n\n${lines.join('\n')}\n`);
}

describe(`slow bodies: ${SLOW} trickling connections while ${VALID} valid events arrive`, () => {
	before(async () => {
		await ensureN8n();
		ctx.userFolder = await fs.mkdtemp(path.join(os.tmpdir(), 'anon-slow-body-'));
		await installPackage(ctx.userFolder, await buildAndPack());
		await installMinTrigger(ctx.userFolder);
		const n8n = await startN8n({ userFolder: ctx.userFolder });
		const client = new N8nClient(n8n.baseUrl);
		await client.setUp();
		const credential = await client.createCredential({ name: 'Anon slow bodies', signingSecret: SECRET });
		const anon = noOpWorkflow({ name: 'slow bodies: Anon Trigger', credentialId: credential.id, credentialName: credential.name });
		await client.createWorkflow(anon);
		ctx.anonWebhookId = anon.nodes[0].webhookId;
		ctx.minWebhookId = randomUUID();
		await client.createWorkflow(minTriggerWorkflow(ctx.minWebhookId));
		ctx.n8n = n8n;
		ctx.n8nIsFresh = true;
	});

	after(async () => {
		printTable();
		await stopAllServers();
		// Kept after a failure, for n8n.log.
		if (ctx.failed) log(`n8n user folder kept: ${ctx.userFolder}`);
		else if (ctx.userFolder) await fs.rm(ctx.userFolder, { recursive: true, force: true });
	});

	test('Anon Trigger, application/octet-stream', recorded(async () => {
		ctx.anonOctet = await slowBodyCase('Anon Trigger', 'application/octet-stream');
	}));

	test('Min Trigger, application/octet-stream', recorded(async () => {
		ctx.minOctet = await slowBodyCase('Min Trigger', 'application/octet-stream');
	}));

	test('octet-stream: the Anon Trigger does no worse than the Min Trigger on every column', recorded(() => {
		const { anonOctet: anon, minOctet: min } = ctx;
		assert.ok(anon && min, 'both octet-stream cases ran');
		const growth = (row) => row.rssPeak - row.rssBefore;
		assert.ok(
			growth(anon) <= growth(min) + RSS_TOLERANCE_MIB,
			`RSS growth: Anon ${mib(growth(anon))}, Min ${mib(growth(min))} (+${RSS_TOLERANCE_MIB} MiB allowed)`,
		);
		assert.ok(anon.open <= min.open, `slow requests still open at 40 s: Anon ${anon.open}, Min ${min.open}`);
		assert.ok(
			anon.p99 <= Math.max(P99_FACTOR * min.p99, P99_FLOOR_MS),
			`valid p99: Anon ${ms(anon.p99)}, Min ${ms(min.p99)} (allowed: ${P99_FACTOR}× or ${ms(P99_FLOOR_MS)})`,
		);
	}));

	// Measured, not asserted: n8n's body parser holds these before any node code runs, for every
	// trigger alike. A measurement, not a proof, so not in CI: SLOW_BODY_JSON=1 adds them
	// (about 2 minutes); SECURITY.md and docs/reverse-proxy.md quote their figures.
	const measureJson = process.env.SLOW_BODY_JSON === '1' ? test : test.skip;
	measureJson('Min Trigger, application/json (SLOW_BODY_JSON=1)', recorded(async () => {
		await slowBodyCase('Min Trigger', 'application/json');
	}));

	measureJson('Anon Trigger, application/json (SLOW_BODY_JSON=1)', recorded(async () => {
		await slowBodyCase('Anon Trigger', 'application/json');
	}));
});
