// The harness on a machine that is not ours: npm settings exported by `npm start`
// must not reach the harness's own npm calls, an interrupted install must never look finished,
// and the caller's environment (FORCE_COLOR) must not change what the suites read from n8n's
// log. Run by `npm test` (node --test).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { QUIET_OFFLINE_ENV } from '../../tools/harness/n8n.mjs';
import { npmCommands } from '../../tools/harness/registry.mjs';
import { childEnv } from '../../tools/harness/process.mjs';
import { installOnce, npmRebuild } from '../../tools/harness/runtime.mjs';

let tmp;
before(async () => {
	tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'anon-harness-test-'));
});
after(() => fs.rm(tmp, { recursive: true, force: true }));

describe('child processes', () => {
	test("childEnv drops npm's exported behaviour settings, keeps where npm fetches and caches", () => {
		const env = childEnv(
			{ EXTRA: '1' },
			{
				PATH: '/bin',
				HOME: '/root',
				npm_config_ignore_scripts: 'true',
				NPM_CONFIG_NODEDIR: '/usr',
				npm_lifecycle_event: 'start',
				npm_package_name: 'n8n-nodes-anon',
				INIT_CWD: '/x',
				npm_config_cache: '/tmp/npm-cache',
				npm_config_registry: 'http://127.0.0.1:4873/',
			},
		);
		assert.deepEqual(env, {
			PATH: '/bin',
			HOME: '/root',
			EXTRA: '1',
			npm_config_cache: '/tmp/npm-cache',
			npm_config_registry: 'http://127.0.0.1:4873/',
		});
	});

	test('npmRebuild runs a native build script although npm_config_ignore_scripts=true is exported', async () => {
		// A package with an install script standing in for sqlite3's node-gyp build.
		const dir = path.join(tmp, 'rebuild');
		const pkg = path.join(dir, 'node_modules', 'native-stand-in');
		await fs.mkdir(pkg, { recursive: true });
		await fs.writeFile(
			path.join(dir, 'package.json'),
			JSON.stringify({ private: true, dependencies: { 'native-stand-in': '1.0.0' } }),
		);
		await fs.writeFile(
			path.join(pkg, 'package.json'),
			JSON.stringify({
				name: 'native-stand-in',
				version: '1.0.0',
				scripts: { install: `node -e "require('fs').writeFileSync('binding.node', 'built')"` },
			}),
		);
		const saved = process.env.npm_config_ignore_scripts;
		process.env.npm_config_ignore_scripts = 'true'; // what `npm start` exports from .npmrc
		try {
			await npmRebuild(dir, ['native-stand-in']);
		} finally {
			if (saved === undefined) delete process.env.npm_config_ignore_scripts;
			else process.env.npm_config_ignore_scripts = saved;
		}
		assert.equal(await fs.readFile(path.join(pkg, 'binding.node'), 'utf8'), 'built');
	});
});

describe('installOnce', () => {
	test('an install that fails leaves nothing that looks finished, and the next run starts over', async () => {
		const dir = path.join(tmp, 'cache', 'n8n-x');
		await assert.rejects(
			installOnce(dir, async (staging) => {
				await fs.writeFile(path.join(staging, 'half-written'), '');
				throw new Error('network went away');
			}),
			/network went away/,
		);
		assert.equal(existsSync(dir), false, 'the final folder must not exist after a failure');
		assert.equal(existsSync(`${dir}.partial`), true);

		let ran = 0;
		await installOnce(dir, async (staging) => {
			ran++;
			assert.equal(existsSync(path.join(staging, 'half-written')), false, 'the leftover was removed first');
			await fs.writeFile(path.join(staging, 'payload'), 'ok');
			return { version: 'x' };
		});
		assert.equal(ran, 1);
		assert.equal(await fs.readFile(path.join(dir, 'payload'), 'utf8'), 'ok');
		assert.equal(existsSync(`${dir}.partial`), false);

		await installOnce(dir, async () => assert.fail('a finished install is not redone'));
	});

	test('a folder without the completion marker (an older, interrupted layout) is redone', async () => {
		const dir = path.join(tmp, 'cache', 'n8n-y');
		await fs.mkdir(path.join(dir, 'node_modules'), { recursive: true });
		await installOnce(dir, async (staging) => {
			await fs.writeFile(path.join(staging, 'payload'), 'fresh');
		});
		assert.equal(existsSync(path.join(dir, 'node_modules')), false);
		assert.equal(await fs.readFile(path.join(dir, 'payload'), 'utf8'), 'fresh');
	});
});

describe("n8n's log", () => {
	// A line as n8n 2.41.1 wrote it in a CI run whose environment had FORCE_COLOR set.
	const ESC = '\u001b';
	const colouredLine =
		`00:41:27.226   ${ESC}[34mdebug${ESC}[39m   ${ESC}[34mExecuting npm command${ESC}[39m ${ESC}[2m{ "args": ["pack", ` +
		`"n8n-nodes-anon@latest", "--quiet", "--registry=http: //127.0.0.1: 45767"], "cwd": "/tmp/x/.n8n/nodes", ` +
		`"file": "logger-proxy.js", "function": "exports.debug" }${ESC}[22m`;

	test("npmCommands reads the installer's npm calls from a coloured log line", async () => {
		const logFile = path.join(tmp, 'n8n.log');
		await fs.writeFile(logFile, `something else\n${colouredLine}\n`);
		assert.deepEqual(await npmCommands(logFile), [
			['pack', 'n8n-nodes-anon@latest', '--quiet', '--registry=http://127.0.0.1:45767'],
		]);
	});

	test('every n8n the harness starts is told not to colour its log', () => {
		assert.equal(QUIET_OFFLINE_ENV.FORCE_COLOR, '0');
	});
});
