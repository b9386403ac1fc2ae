// This package as a user's n8n gets it: built, packed with `npm pack`, and installed into a
// user folder the way n8n's own community-node installer does.
import { existsSync, rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { log, onExit, run } from './process.mjs';

export const REPO_ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const PACKAGE_NAME = 'n8n-nodes-anon';
// The cheapest possible community trigger, a benchmark reference: fixtures/ is never
// packed (see test/package.test.js).
export const MIN_TRIGGER_PACKAGE = 'n8n-nodes-mintrig';
const MIN_TRIGGER_SOURCE = path.join(REPO_ROOT, 'fixtures', 'min-trigger');

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
	onExit(() => rmSync(packDir, { recursive: true, force: true }));
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

/**
 * Installs the Min Trigger beside the package (installPackage first) in n8n's nodes folder:
 * copied into nodes/node_modules and listed in nodes/package.json, as n8n loads it.
 */
export async function installMinTrigger(userFolder) {
	const target = path.join(userFolder, '.n8n', 'nodes', 'node_modules', MIN_TRIGGER_PACKAGE);
	await fs.cp(MIN_TRIGGER_SOURCE, target, { recursive: true });
	const { version } = JSON.parse(await fs.readFile(path.join(target, 'package.json'), 'utf8'));
	await listInNodesFolder(userFolder, MIN_TRIGGER_PACKAGE, version);
}

/** Adds a package already in nodes/node_modules to nodes/package.json: n8n loads what is listed. */
export async function listInNodesFolder(userFolder, name, version) {
	const manifestPath = path.join(userFolder, '.n8n', 'nodes', 'package.json');
	const manifest = JSON.parse(await fs.readFile(manifestPath, 'utf8'));
	manifest.dependencies[name] = version;
	await fs.writeFile(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
}
