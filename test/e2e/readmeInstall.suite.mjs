// The README's install path, run exactly as written: the block that makes the tarball in a fresh
// clone (`git clone …`, `npm install && npm run tarball`, `cp … ~/`), then every shell block that
// installs n8n-nodes-anon with npm (all read from the README by tools/harness/readme.mjs), each in
// bash, in a fresh home folder. The clone block runs on this suite's Node (Node 20 in CI) against
// the real registry with an empty npm cache, as on a new machine; `git clone` of the README's URL
// is pointed at this checkout's committed HEAD (git's url.<base>.insteadOf: no other host is
// reachable here). The tarball it leaves in ~ is the one the install blocks install, and the one
// published (as a release copy) to a local registry for the install by name, once with the Node
// that runs n8n (Node 24, npm's CLI) and once with this suite's Node. Then n8n, started on that
// home folder as its user folder, loads the package from ~/.n8n/nodes and runs a signed event.
//
//   node --test test/e2e/readmeInstall.suite.mjs        (part of npm run test:e2e:installer)
//
// The registry has no uplinks: what the command installs besides the package would have to come
// from it, so anything more than the one package fails here as it fails (or bloats) for users.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';

import { expectedItem, newSigningSecret, sendEvent } from '../../tools/harness/signedEvents.mjs';
import { N8nClient, nodeOutput, removeUserFolder, startN8n } from '../../tools/harness/n8n.mjs';
import { PACKAGE_NAME, REPO_ROOT } from '../../tools/harness/package.mjs';
import { assertEveryExampleAnswered, cacheSharingRuntime, runNpmStart } from '../../tools/harness/npmStart.mjs';
import { childEnv, log, onInterrupt, run, stopAllServers, waitFor } from '../../tools/harness/process.mjs';
import { cloneUrlIn, npmInstallsIn, readReadme, shellBlocks, tarballBlocks, tarballIn, userInstallCommands } from '../../tools/harness/readme.mjs';
import { startRegistry } from '../../tools/harness/registry.mjs';
import { N8N_VERSION, ensureN8n, ensureNode24, npmCliPath } from '../../tools/harness/runtime.mjs';
import { suiteHooks } from '../../tools/harness/suite.mjs';
import { TRIGGER_NODE_NAME, noOpWorkflow, webhookUrl } from '../../tools/harness/workflows.mjs';

const SECRET = newSigningSecret();
const { run: blocks } = userInstallCommands();
const makeTarball = tarballBlocks();
const manifest = JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'package.json'), 'utf8'));
/** The repository's URL as a user clones it (package.json's `repository`, without `git+`). */
const REPOSITORY_URL = manifest.repository.url.replace(/^git\+/, '');
const ctx = { shims: {}, cleanUp: [] };

const RUNTIMES = [
	{ key: 'n8n', label: "the Node that runs n8n (Node 24, npm's CLI)" },
	{ key: 'suite', label: `this suite's Node ${process.version} (Node 20 in CI)` },
];

/**
 * A folder with `node` and `npm` for one runtime, put first on PATH: `npm` is npm's own CLI
 * script run by that Node, as on a machine where that Node is installed with its npm.
 */
async function shimFor(node) {
	const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'anon-readme-bin-'));
	onInterrupt(() => fs.rm(dir, { recursive: true, force: true }));
	await fs.symlink(node, path.join(dir, 'node'));
	await fs.writeFile(path.join(dir, 'npm'), `#!/bin/sh\nexec "${node}" "${npmCliPath()}" "$@"\n`, { mode: 0o755 });
	return dir;
}

/**
 * The environment of a user's shell: HOME is the fresh folder (so ~/.n8n/nodes and ~/.npmrc are
 * there), the runtime first on PATH, and none of this process's npm settings (npm exports the
 * project's .npmrc, ignore-scripts=true among them, to everything `npm run` starts).
 */
function userShellEnv(home, shim) {
	const env = childEnv({ HOME: home, PATH: `${shim}:${process.env.PATH}` });
	for (const name of Object.keys(env)) if (/^npm_/i.test(name)) delete env[name];
	delete env.NODE_OPTIONS;
	return env;
}

/** What the command left in ~/.n8n/nodes: the folders in node_modules and the lockfile's packages. */
async function nodesFolder(home) {
	const dir = path.join(home, '.n8n', 'nodes');
	const modules = (await fs.readdir(path.join(dir, 'node_modules'))).filter((name) => !name.startsWith('.'));
	const lock = JSON.parse(await fs.readFile(path.join(dir, 'package-lock.json'), 'utf8'));
	const manifest = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8'));
	return { modules, locked: Object.keys(lock.packages).filter((key) => key !== ''), manifest };
}

/** n8n on `home` as its user folder: the package loaded, a workflow active, one signed event run. */
async function runSignedEventIn(home) {
	const n8n = await startN8n({ userFolder: home });
	try {
		const client = new N8nClient(n8n.baseUrl);
		await client.setUp({ email: 'readme@anon.local', password: 'Readme-password-1', apiKeyLabel: 'readme' });
		// Both nodes loaded: n8n describes each node type the package's manifest names.
		const nodeInfos = [
			{ name: `${PACKAGE_NAME}.anon`, version: 1 },
			{ name: `${PACKAGE_NAME}.anonTrigger`, version: 1.1 },
		];
		const described = await client.nodeTypeDescriptions(nodeInfos);
		assert.deepEqual(described.map((node) => node.displayName).sort(), ['Anon', 'Anon Trigger']);
		const credential = await client.createCredential({ name: 'Anon README install', signingSecret: SECRET });
		const definition = noOpWorkflow({ name: 'README install', credentialId: credential.id, credentialName: credential.name });
		// Activation waits until the production URL answers a signed svix.ping as the trigger does.
		const workflow = await client.createWorkflow(definition);
		const answer = await sendEvent(webhookUrl(n8n.baseUrl, definition.nodes[0]), { type: 'link.opened', secret: SECRET });
		assert.equal(answer.status, 200, JSON.stringify(answer.body));
		assert.equal(answer.body.status, 'accepted');
		const [execution] = await waitFor(
			async () => {
				const executions = await client.executions(workflow.id);
				return executions.length === 1 && executions[0].stoppedAt ? executions : null;
			},
			{ timeoutMs: 20_000, what: 'the execution of the signed event' },
		);
		assert.equal(execution.status, 'success');
		assert.deepEqual(nodeOutput(execution, TRIGGER_NODE_NAME), [await expectedItem('link.opened')]);
	} finally {
		await n8n.stop();
	}
}

describe(`the README's npm install, as written, then n8n ${N8N_VERSION} runs a signed event`, () => {
	suiteHooks({
		async setUp() {
			await ensureN8n();
			ctx.shims.n8n = await shimFor(await ensureNode24());
			ctx.shims.suite = await shimFor(process.execPath);
			ctx.registry = await startRegistry();
			onInterrupt(() => ctx.registry.stop());
		},
		async tearDown() {
			await stopAllServers();
			await ctx.registry?.stop();
			for (const dir of [...Object.values(ctx.shims), ...ctx.cleanUp]) await fs.rm(dir, { recursive: true, force: true });
		},
	});

	test('the README gives at least one npm install of the package to run', () => {
		assert.ok(blocks.length > 0, 'no shell block of the README installs n8n-nodes-anon with npm');
	});

	test("the README's tarball block, run in a fresh clone: a tarball with the nodes and credentials in ~", async () => {
		assert.equal(makeTarball.length, 1, 'the README gives one shell block that makes the tarball (`npm run tarball`)');
		const [block] = makeTarball;
		assert.equal(cloneUrlIn(block.code), REPOSITORY_URL, "the block clones package.json's repository");
		const [tarball] = blocks.flatMap((install) => npmInstallsIn(install.code)).map(tarballIn).filter(Boolean);
		assert.ok(tarball, 'a README block installs the tarball');
		const home = await fs.mkdtemp(path.join(os.tmpdir(), 'anon-readme-clone-'));
		const work = await fs.mkdtemp(path.join(os.tmpdir(), 'anon-readme-work-'));
		ctx.cleanUp.push(home, work);
		// git clone of the README's URL reads this checkout's committed HEAD instead.
		const git = { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: `url.${REPO_ROOT}.insteadOf`, GIT_CONFIG_VALUE_0: REPOSITORY_URL };
		log(`running README block "${block.section}" in bash, HOME=${home}, in ${work}:\n${block.code.trimEnd()}`);
		const started = Date.now();
		await run('bash', ['-e', '-c', block.code], {
			cwd: work,
			env: { ...userShellEnv(home, ctx.shims.suite), ...git },
			label: 'README',
			onLine: (line) => console.log(`    README| ${line}`),
		});
		log(`the fresh clone, its npm install (empty npm cache) and npm run tarball took ${((Date.now() - started) / 60_000).toFixed(1)} minutes`);
		ctx.tarball = path.join(home, tarball);
		ctx.clone = { home, dir: path.join(work, path.basename(cloneUrlIn(block.code), '.git')) };
		const listed = (await run('tar', ['-tzf', ctx.tarball], { capture: true })).split('\n');
		for (const file of [...manifest.n8n.nodes, ...manifest.n8n.credentials]) {
			assert.ok(listed.includes(`package/${file}`), `${tarball} holds ${file}: ${listed.join(' ')}`);
		}
		// The install by name gets the same package, published as a release publishes it.
		await ctx.registry.publishTarball(ctx.tarball);
	});

	test("the README's quick start, `npm install && npm start` as written, in that fresh clone: n8n up with the package, every example answered", async () => {
		assert.ok(ctx.clone, "the README's tarball block made a clone");
		const [quickStart] = shellBlocks(readReadme()).filter((block) => /\bnpm start\b/.test(block.code));
		assert.ok(quickStart, 'the README gives `npm start` in a shell block');
		// The first terminal's line, as written; the block's second line (`npm test`) is CI's own command.
		const command = quickStart.code.split('\n').find((line) => /\bnpm start\b/.test(line));
		// A cache of its own sharing the installed Node 24 and n8n (a first install is 6.5 minutes).
		const cache = await cacheSharingRuntime('anon-readme-start-');
		ctx.cleanUp.push(cache);
		log(`running the README's quick start in bash, in ${ctx.clone.dir}: ${command}`);
		const { lines } = await runNpmStart({
			command: 'bash',
			args: ['-e', '-c', command],
			cwd: ctx.clone.dir,
			env: { ...userShellEnv(ctx.clone.home, ctx.shims.suite), ANON_N8N_CACHE: cache },
			logFile: path.join(cache, 'npm-start.log'),
		});
		assertEveryExampleAnswered(lines);
		assert.ok(lines.some((line) => line.includes('stopped')), `npm start stops on Ctrl-C:\n${lines.slice(-5).join('\n')}`);
	});

	for (const [index, block] of blocks.entries()) {
		for (const runtime of RUNTIMES) {
			test(`README block ${index + 1} ("${block.section}") with ${runtime.label}: one package installed; n8n loads it and runs a signed event`, async () => {
				const home = await fs.mkdtemp(path.join(os.tmpdir(), 'anon-readme-install-'));
				onInterrupt(() => fs.rm(home, { recursive: true, force: true }));
				let ok = false;
				try {
					// The user's npm configuration: the registry holding the package, nothing else.
					await fs.writeFile(path.join(home, '.npmrc'), `registry=${ctx.registry.url}/\n`);
					// A block that installs a release tarball finds it where the README says the user put it (~).
					assert.ok(ctx.tarball, "the README's tarball block made a tarball");
					for (const tarball of npmInstallsIn(block.code).map(tarballIn).filter(Boolean)) {
						assert.equal(tarball, path.basename(ctx.tarball), 'the tarball the README installs is the one its clone block made');
						await fs.copyFile(ctx.tarball, path.join(home, tarball));
					}
					log(`running README block ${index + 1} in bash, HOME=${home}:\n${block.code.trimEnd()}`);
					const output = [];
					await run('bash', ['-e', '-c', block.code], {
						cwd: home,
						env: userShellEnv(home, ctx.shims[runtime.key]),
						label: 'README',
						onLine: (line) => {
							output.push(line);
							console.log(`    README| ${line}`);
						},
					});
					for (const command of npmInstallsIn(block.code)) log(`ran: ${command}`);
					assert.ok(output.some((line) => /^added 1 package\b/.test(line)), `npm's summary: ${output.join('\n')}`);
					const { modules, locked, manifest } = await nodesFolder(home);
					assert.deepEqual(modules, [PACKAGE_NAME], 'node_modules of ~/.n8n/nodes');
					assert.deepEqual(locked, [`node_modules/${PACKAGE_NAME}`], 'packages in package-lock.json');
					assert.ok(manifest.dependencies?.[PACKAGE_NAME], `~/.n8n/nodes/package.json lists the package: ${JSON.stringify(manifest)}`);

					await runSignedEventIn(home);
					ok = true;
				} finally {
					await removeUserFolder(home, { keep: !ok });
				}
			});
		}
	}
});
