// Child processes for the harness: commands run to completion (npm, tar, the build), servers
// started in their own process group (n8n, Redis) and stopped as a group, and the clean-up
// that stops every server also when this process is interrupted (Ctrl-C, SIGTERM from
// `node --test`) or dies of an uncaught error. Plus the small waits everything else uses.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

const startedAt = Date.now();
/** One progress line, prefixed with seconds since this process started. */
export function log(message) {
	const seconds = ((Date.now() - startedAt) / 1000).toFixed(1).padStart(6);
	console.log(`[${seconds}s] ${message}`);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` (async, returns a truthy value when done) until it succeeds or times out. */
export async function waitFor(check, { timeoutMs = 15_000, intervalMs = 250, what = 'condition' } = {}) {
	const deadline = Date.now() + timeoutMs;
	let last;
	while (Date.now() < deadline) {
		last = await check();
		if (last) return last;
		await sleep(intervalMs);
	}
	throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Resolves to `preferred` if it is free on 127.0.0.1 (or the next free one), else any free port. */
export async function freePort(preferred) {
	const tryListen = (port) =>
		new Promise((resolve) => {
			const server = net.createServer();
			server.once('error', () => resolve(null));
			server.listen(port, '127.0.0.1', () => {
				const { port: bound } = server.address();
				server.close(() => resolve(bound));
			});
		});
	if (preferred) {
		for (let port = preferred; port < preferred + 50; port++) {
			if (await tryListen(port)) return port;
		}
	}
	return tryListen(0);
}

/**
 * The environment for a child process: this process's, minus what npm exported into it.
 * `npm start`/`npm test` run the harness with the project's and the user's npm settings as
 * `npm_config_*` variables (the project's .npmrc sets ignore-scripts=true), and a child npm
 * would obey them: `npm rebuild sqlite3` then skips the native build and leaves no binding.
 * Every npm call here states the settings it needs on its command line instead.
 */
export function childEnv(extra = {}, env = process.env) {
	const clean = {};
	for (const [name, value] of Object.entries(env)) {
		if (name === 'INIT_CWD') continue;
		if (/^npm_/i.test(name) && !NPM_WHERE_SETTINGS.test(name)) continue;
		clean[name] = value;
	}
	return { ...clean, ...extra };
}

// Settings that say where npm fetches and caches (a mirror, a proxy, a CA, a cache folder) are
// the machine's, not the project's: they pass through. Everything else is stated per call.
const NPM_WHERE_SETTINGS = /^npm_config_(cache|registry|cafile|ca|proxy|https_proxy|http_proxy|noproxy|strict_ssl)$/i;

/**
 * Runs a command to completion, streaming its output with a prefix so long npm installs
 * show progress, plus a heartbeat line every 30 s while it is silent. Rejects on non-zero
 * exit. `capture: true` returns stdout instead of streaming it; `quiet: true` holds all
 * output back and prints it only if the command fails; `onLine` gets every line instead.
 */
export function run(command, args, { cwd, env, capture = false, quiet = false, onLine, label = path.basename(command) } = {}) {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, { cwd, env: env ?? childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let heldBack = '';
		let lastPrinted = Date.now();
		const prefix = (chunk) =>
			chunk
				.toString()
				.split('\n')
				.filter((line) => line.trim())
				.map((line) => `    ${label}| ${line}`)
				.join('\n');
		if (onLine) {
			// Line by line to the caller, which decides what to print.
			for (const stream of [child.stdout, child.stderr]) {
				let partial = '';
				stream.on('data', (chunk) => {
					const lines = (partial + chunk).split('\n');
					partial = lines.pop();
					for (const line of lines) onLine(line);
					lastPrinted = Date.now();
				});
				stream.on('end', () => partial && onLine(partial));
			}
		}
		if (!onLine) child.stdout.on('data', (chunk) => {
			if (capture) stdout += chunk;
			else if (quiet) heldBack += chunk;
			else {
				console.log(prefix(chunk));
				lastPrinted = Date.now();
			}
		});
		if (!onLine) child.stderr.on('data', (chunk) => {
			if (quiet) heldBack += chunk;
			else {
				console.error(prefix(chunk));
				lastPrinted = Date.now();
			}
		});
		const heartbeat = setInterval(() => {
			if (Date.now() - lastPrinted >= 30_000) log(`  … ${label} still running`);
		}, 30_000);
		child.on('error', (error) => {
			clearInterval(heartbeat);
			reject(error);
		});
		child.on('close', (code, signal) => {
			clearInterval(heartbeat);
			if (code === 0) return resolve(stdout);
			if (heldBack) console.error(prefix(heldBack));
			reject(new Error(`${command} ${args.join(' ')} failed (exit ${code ?? signal}) in ${cwd}`));
		});
	});
}

// ---------------------------------------------------------------------------------------
// Servers, and stopping them whatever happens
// ---------------------------------------------------------------------------------------

/** Negative pid: the whole process group (n8n plus its task runner). False if already gone. */
export function killGroup(pid, signal) {
	try {
		process.kill(-pid, signal);
		return true;
	} catch {
		return false;
	}
}

// Synchronous last resorts for process 'exit' (an uncaught error, process.exit): async work
// cannot run there, so servers get SIGKILL and daemons their synchronous stop.
const exitHooks = new Set();
process.on('exit', () => {
	for (const hook of exitHooks) {
		try {
			hook();
		} catch {
			// best effort
		}
	}
});

/** Registers a synchronous last-resort clean-up for process exit; returns its remover. */
export function onExit(hook) {
	exitHooks.add(hook);
	return () => exitHooks.delete(hook);
}

// Every server started here and not yet stopped → its stop().
const running = new Set();
// Asynchronous clean-ups to run, newest first, when a signal interrupts the run.
const interruptHooks = [];
let interruptExitCode = 130;
let interrupted = false;

/**
 * Adds a clean-up (async) to run when SIGINT, SIGTERM or SIGHUP interrupts this process,
 * after every server still running is stopped; `exitCode` is then the process's exit code
 * (130 unless a caller says otherwise: for `npm start`, Ctrl-C is the normal way out).
 */
export function onInterrupt(cleanup, { exitCode } = {}) {
	interruptHooks.push(cleanup);
	if (exitCode !== undefined) interruptExitCode = exitCode;
}

/** True once a signal has started the clean-up (requests in flight then fail, as expected). */
export const isInterrupted = () => interrupted;

// `node --test` passes a Ctrl-C on to a test file as SIGINT and then SIGTERM: clean up once.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
	process.on(signal, async () => {
		if (interrupted) return;
		interrupted = true;
		// Under `node --test` the runner may be gone already, and with it our stdout: a write
		// to the closed pipe must not end this process before the clean-up is done.
		for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
		log(`interrupted by ${signal}: stopping what this run started`);
		await stopAllServers();
		for (const cleanup of interruptHooks.reverse()) await Promise.resolve().then(cleanup).catch(() => {});
		process.exit(interruptExitCode);
	});
}

/** Stops every server this process started and has not stopped yet. */
export async function stopAllServers() {
	await Promise.all([...running].map((stop) => stop()));
}

/**
 * Spawns a long-running server in its own process group with output to `logFile`. Returns
 * { child, pid, exited (promise), hasExited(), stop(signal), logFile }. stop() sends
 * `signal` (SIGTERM by default) to the group, SIGKILLs after `killAfterMs`, and resolves on
 * exit; it is safe to call more than once.
 */
export async function spawnServer(command, args, { env = childEnv(), cwd, logFile, killAfterMs = 15_000, uid, gid }) {
	const logHandle = await fs.open(logFile, 'a');
	const child = spawn(command, args, {
		cwd,
		env,
		...(uid === undefined ? {} : { uid, gid }),
		detached: true, // own process group, stopped as a whole
		stdio: ['ignore', logHandle.fd, logHandle.fd],
	});
	let exitInfo = null;
	const removeExitHook = onExit(() => killGroup(child.pid, 'SIGKILL'));
	const exited = new Promise((resolve) =>
		child.on('exit', (code, signal) => {
			exitInfo = { code, signal };
			removeExitHook();
			resolve(exitInfo);
		}),
	);
	let stopping;
	const stop = (signal = 'SIGTERM') =>
		(stopping ??= (async () => {
			if (!exitInfo) killGroup(child.pid, signal);
			const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), killAfterMs);
			await exited;
			clearTimeout(timer);
			// A task runner in the same group may outlive its n8n by a moment.
			killGroup(child.pid, 'SIGKILL');
			await logHandle.close().catch(() => {});
			running.delete(stop);
		})());
	running.add(stop);
	return { child, pid: child.pid, exited, hasExited: () => exitInfo, stop, logFile };
}

/** The last `lines` lines of a log file, for error messages. */
export async function tail(file, lines = 30) {
	try {
		return (await fs.readFile(file, 'utf8')).split('\n').slice(-lines).join('\n');
	} catch {
		return '(no log)';
	}
}
