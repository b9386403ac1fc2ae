#!/usr/bin/env node
// `npm run tarball`: the package as a user installs it before it is on npm (README, "Install in
// n8n"). Builds dist/, packs, and refuses a tarball without every node and credential that
// package.json's `n8n` field names, so a clone that follows the README never ends with a package
// n8n loads no nodes from.
//
// A plain `npm pack` cannot do this: the project's .npmrc sets ignore-scripts=true (install
// scripts of the dev tools stay off, CONTRIBUTING), which skips a `prepack` hook too, and `files`
// lists dist/ whether or not it was built. A named script runs with scripts off.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const wanted = [...manifest.n8n.nodes, ...manifest.n8n.credentials];

function refuse(lines) {
	console.error(['npm run tarball: no tarball made.', ...lines].join('\n'));
	process.exit(1);
}

const cli = path.join(root, 'node_modules', '.bin', 'n8n-node');
if (!existsSync(cli)) refuse(['The build tool is not installed: run `npm install` in this folder first.']);

console.log('Building dist/ (n8n-node build)…');
try {
	execFileSync(cli, ['build'], { cwd: root, stdio: 'inherit' });
} catch (error) {
	refuse([`The build failed (${error.status ?? error.message}); its output is above.`]);
}
const unbuilt = wanted.filter((file) => !existsSync(path.join(root, file)));
if (unbuilt.length > 0) refuse([`The build left out ${unbuilt.join(', ')}.`]);

// --ignore-scripts: nothing runs around the pack (it is the default here; said for a user's npm
// configured otherwise).
const [packed] = JSON.parse(
	execFileSync('npm', ['pack', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
);
const inTarball = new Set(packed.files.map((file) => file.path));
const missing = wanted.filter((file) => !inTarball.has(file));
if (missing.length > 0) {
	rmSync(path.join(root, packed.filename), { force: true });
	refuse([`The packed tarball lacked ${missing.join(', ')} (package.json's \`files\`), so it was deleted.`]);
}

console.log(
	`${path.join(root, packed.filename)}: ${manifest.n8n.nodes.length} nodes and ` +
		`${manifest.n8n.credentials.length} credentials, ${packed.entryCount} files, ${Math.round(packed.size / 1024)} kB.`,
);
