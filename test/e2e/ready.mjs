// `npm start` is ready when it says so: scripts/start.mjs run several times in a row,
// each time starting a fresh n8n process, must answer every example it sends: each Anon event
// `200 accepted`, the svix.ping `200 ignored`. The first run is on an empty cache folder (it
// shares only the installed Node 24 and n8n: a new user folder, database, owner, credential and
// workflows), the later ones on the same folder again (npm start's second-run path: the
// workflows updated and activated again). n8n 2.x publishes an activation asynchronously (its
// publication outbox): the public API's activate returns before the webhook is registered, and
// an example sent at once got n8n's 404.
//
//   node --test test/e2e/ready.mjs        (part of npm run test:e2e)
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';

import { EXAMPLE_TYPES, newSigningSecret, sendEvent } from '../../tools/harness/signedEvents.mjs';
import { N8nClient } from '../../tools/harness/n8n.mjs';
import { REPO_ROOT, buildAndPack } from '../../tools/harness/package.mjs';
import { childEnv, log, onInterrupt, sleep, spawnServer, stopAllServers } from '../../tools/harness/process.mjs';
import { CACHE_DIR, N8N_VERSION, ensureN8n } from '../../tools/harness/runtime.mjs';
import { suiteHooks } from '../../tools/harness/suite.mjs';
import { noOpWorkflow, webhookUrl } from '../../tools/harness/workflows.mjs';

const RUNS = Number(process.env.READY_RUNS ?? 2);
const START_TIMEOUT_MS = 5 * 60_000;
const ctx = {};
const AT_ONCE = 10;
const parseOrText = (text) => {
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
};
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A cache folder of its own for one `npm start`, sharing the installed Node 24 and n8n. */
async function freshCache() {
	const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'anon-ready-'));
	onInterrupt(() => fs.rm(dir, { recursive: true, force: true }));
	for (const name of ['node24', `n8n-${N8N_VERSION}`]) await fs.symlink(path.join(CACHE_DIR, name), path.join(dir, name));
	return dir;
}

/**
 * Runs scripts/start.mjs (what `npm start` runs) on `cache` until it says it is running, then
 * `whileRunning(instance.json)`, then stops it with Ctrl-C (SIGINT); returns its output lines,
 * its exit and what `whileRunning` threw.
 */
async function npmStart(cache, round, whileRunning) {
	const logFile = path.join(cache, `start-${round}.log`);
	// ANON_SKIP_BUILD: dist/ was built once for the whole suite (set-up).
	const env = childEnv({ ANON_N8N_CACHE: cache, ANON_SKIP_BUILD: '1' });
	const server = await spawnServer(process.execPath, [path.join(REPO_ROOT, 'scripts', 'start.mjs')], {
		cwd: REPO_ROOT,
		env,
		logFile,
		killAfterMs: 30_000,
	});
	const read = async () => (await fs.readFile(logFile, 'utf8')).split('\n');
	const deadline = Date.now() + START_TIMEOUT_MS;
	while (!(await read()).some((line) => line.includes('running; press Ctrl-C to stop'))) {
		if (server.hasExited()) break;
		if (Date.now() > deadline) {
			await server.stop('SIGINT');
			throw new Error(`npm start did not say it was running within ${START_TIMEOUT_MS / 1000} s:\n${(await read()).join('\n')}`);
		}
		await sleep(500);
	}
	let whileRunningError;
	try {
		if (!server.hasExited()) await whileRunning?.(JSON.parse(await fs.readFile(path.join(cache, 'dev-instance', 'instance.json'), 'utf8')));
	} catch (error) {
		whileRunningError = error;
	}
	await server.stop('SIGINT');
	return { lines: await read(), exit: server.hasExited(), whileRunningError };
}

/**
 * On the running instance: workflows created and activated through the harness's client (as
 * npm start and every suite do) answer a signed event sent the moment activation resolves.
 */
async function activateAndSendAtOnce(instance) {
	const client = new N8nClient(instance.editorUrl.replace(/\/$/, ''));
	client.apiKey = instance.apiKey;
	const secret = newSigningSecret();
	const credential = await client.createCredential({ name: 'ready: at once', signingSecret: secret });
	const answers = [];
	for (let i = 0; i < AT_ONCE; i++) {
		const definition = noOpWorkflow({ name: `ready: at once ${i}`, credentialId: credential.id, credentialName: credential.name });
		const workflow = await client.createWorkflow(definition);
		const answer = await sendEvent(webhookUrl(client.baseUrl, definition.nodes[0]), { type: 'link.opened', secret });
		answers.push(`${answer.status} ${answer.body?.status ?? JSON.stringify(answer.body).slice(0, 120)}`);
		// Not deleted: n8n 2.x refuses to delete a workflow until its unpublishing is done.
		await client.call('POST', `/api/v1/workflows/${workflow.id}/deactivate`, { auth: 'apiKey' });
	}
	log(`events sent the moment activation resolved: ${JSON.stringify(answers)}`);
	assert.deepEqual(answers, Array(AT_ONCE).fill('200 accepted'));
}

describe(`npm start answers every example it sends, ${RUNS} fresh n8n ${N8N_VERSION} in a row`, () => {
	suiteHooks({
		async setUp() {
			await ensureN8n();
			await buildAndPack();
		},
		async tearDown() {
			await stopAllServers();
		},
	});

	for (let round = 1; round <= RUNS; round++) {
		const first = round === 1;
		const title = first
			? 'run 1 (empty cache folder): ready line first, every example answered as the trigger answers it; meanwhile, events sent the moment the client activates a workflow are accepted'
			: `run ${round} (the same folder again): ready line first, every example answered as the trigger answers it`;
		test(title, async () => {
			// After a failed run (its folder kept), the next one starts on an empty folder again.
			ctx.cache ??= await freshCache();
			const { cache } = ctx;
			let ok = false;
			try {
				const t0 = Date.now();
				const { lines, exit, whileRunningError } = await npmStart(cache, round, first ? activateAndSendAtOnce : undefined);
				log(`npm start run ${round}: ${((Date.now() - t0) / 1000).toFixed(1)} s, exit ${JSON.stringify(exit)}`);
				const text = lines.join('\n');
				const ready = lines.findIndex((line) => line.startsWith('ready — '));
				assert.ok(ready >= 0, `no ready line:\n${text}`);
				for (const type of EXAMPLE_TYPES) {
					const at = lines.findIndex((line) => new RegExp(`^  ${escape(type)} +\\d{3} `).test(line));
					assert.ok(at > ready, `${type}: answer missing or printed before the ready line:\n${text}`);
					const [, status, body] = new RegExp(`^  ${escape(type)} +(\\d{3}) (.*)$`).exec(lines[at]);
					const expected = type === 'svix.ping' ? ['200', 'ignored'] : ['200', 'accepted'];
					assert.deepEqual([status, parseOrText(body)?.status], expected, `${type}: ${lines[at].trim()}`);
				}
				assert.deepEqual(exit, { code: 0, signal: null }, `npm start's exit after Ctrl-C:\n${text}`);
				if (whileRunningError) throw whileRunningError;
				ok = true;
			} finally {
				if (!ok) ctx.failed = true;
				if (round === RUNS || !ok) {
					if (ctx.failed) log(`kept ${cache} (start-<run>.log, dev-instance/n8n.log) for the failed run`);
					else await fs.rm(cache, { recursive: true, force: true });
					if (!ok) ctx.cache = undefined;
				}
			}
		});
	}
});
