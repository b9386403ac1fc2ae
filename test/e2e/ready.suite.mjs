// `npm start` is ready when it says so: scripts/start.mjs run several times in a row,
// each time starting a fresh n8n process, must answer every example it sends: each Anon event
// `200 accepted`, the svix.ping `200 ignored`. The first run is on an empty cache folder (it
// shares only the installed Node 24 and n8n: a new user folder, database, owner, credential and
// workflows), the later ones on the same folder again (npm start's second-run path: the
// workflows updated and activated again). n8n 2.x publishes an activation asynchronously (its
// publication outbox): the public API's activate returns before the webhook is registered, and
// an example sent at once got n8n's 404.
//
//   node --test test/e2e/ready.suite.mjs        (part of npm run test:e2e)
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, test } from 'node:test';

import { newSigningSecret, sendEvent } from '../../tools/harness/signedEvents.mjs';
import { N8nClient } from '../../tools/harness/n8n.mjs';
import { REPO_ROOT, buildAndPack } from '../../tools/harness/package.mjs';
import { assertEveryExampleAnswered, cacheSharingRuntime, runNpmStart } from '../../tools/harness/npmStart.mjs';
import { childEnv, log, stopAllServers } from '../../tools/harness/process.mjs';
import { N8N_VERSION, ensureN8n } from '../../tools/harness/runtime.mjs';
import { suiteHooks } from '../../tools/harness/suite.mjs';
import { noOpWorkflow, webhookUrl } from '../../tools/harness/workflows.mjs';

const RUNS = Number(process.env.READY_RUNS ?? 2);
const ctx = {};
const AT_ONCE = 10;

/** Runs scripts/start.mjs (what `npm start` runs) on `cache`; see runNpmStart. */
async function npmStart(cache, round, whileRunning) {
	// ANON_SKIP_BUILD: dist/ was built once for the whole suite (set-up).
	return await runNpmStart({
		command: process.execPath,
		args: [path.join(REPO_ROOT, 'scripts', 'start.mjs')],
		cwd: REPO_ROOT,
		env: childEnv({ ANON_N8N_CACHE: cache, ANON_SKIP_BUILD: '1' }),
		logFile: path.join(cache, `start-${round}.log`),
		whileRunning,
	});
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
			ctx.cache ??= await cacheSharingRuntime('anon-ready-');
			const { cache } = ctx;
			let ok = false;
			try {
				const t0 = Date.now();
				const { lines, exit, whileRunningError } = await npmStart(cache, round, first ? activateAndSendAtOnce : undefined);
				log(`npm start run ${round}: ${((Date.now() - t0) / 1000).toFixed(1)} s, exit ${JSON.stringify(exit)}`);
				assertEveryExampleAnswered(lines);
				assert.deepEqual(exit, { code: 0, signal: null }, `npm start's exit after Ctrl-C:\n${lines.join('\n')}`);
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
