// `npm start` (scripts/start.mjs) as a user runs it, for the suites that prove it: a cache
// folder of its own that shares the installed Node 24 and n8n, the command run until it says it
// is running, then stopped with Ctrl-C (SIGINT), and what its output must show.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { EXAMPLE_TYPES } from './signedEvents.mjs';
import { onInterrupt, sleep, spawnServer } from './process.mjs';
import { CACHE_DIR, N8N_VERSION } from './runtime.mjs';

const START_TIMEOUT_MS = 5 * 60_000;
const RUNNING = 'running; press Ctrl-C to stop';

/** A cache folder of its own for `npm start` (ANON_N8N_CACHE), sharing the installed Node 24 and n8n. */
export async function cacheSharingRuntime(prefix = 'anon-npm-start-') {
	const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
	onInterrupt(() => fs.rm(dir, { recursive: true, force: true }));
	for (const name of ['node24', `n8n-${N8N_VERSION}`]) await fs.symlink(path.join(CACHE_DIR, name), path.join(dir, name));
	return dir;
}

/**
 * Runs `command args` (npm start, however it is spelled) in `cwd` with `env` until its output
 * (in `logFile`) says it is running, then `whileRunning(instance.json)` (from the cache folder
 * ANON_N8N_CACHE names), then stops it with Ctrl-C (SIGINT). Returns its output lines, its exit
 * and what `whileRunning` threw.
 */
export async function runNpmStart({ command, args, cwd, env, logFile, whileRunning }) {
	const server = await spawnServer(command, args, { cwd, env, logFile, killAfterMs: 30_000 });
	const read = async () => (await fs.readFile(logFile, 'utf8')).split('\n');
	const deadline = Date.now() + START_TIMEOUT_MS;
	while (!(await read()).some((line) => line.includes(RUNNING))) {
		if (server.hasExited()) break;
		if (Date.now() > deadline) {
			await server.stop('SIGINT');
			throw new Error(`npm start did not say it was running within ${START_TIMEOUT_MS / 1000} s:\n${(await read()).join('\n')}`);
		}
		await sleep(500);
	}
	let whileRunningError;
	try {
		if (!server.hasExited()) await whileRunning?.(JSON.parse(await fs.readFile(path.join(env.ANON_N8N_CACHE, 'dev-instance', 'instance.json'), 'utf8')));
	} catch (error) {
		whileRunningError = error;
	}
	await server.stop('SIGINT');
	return { lines: await read(), exit: server.hasExited(), whileRunningError };
}

const parseOrText = (text) => {
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
};
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * What npm start's output must show: the ready line, then every example it sends answered as
 * the trigger answers it (each Anon event `200 accepted`, the svix.ping `200 ignored`).
 */
export function assertEveryExampleAnswered(lines) {
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
}
