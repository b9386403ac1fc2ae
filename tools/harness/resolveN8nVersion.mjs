#!/usr/bin/env node
// The exact n8n version a dist-tag or version names on the registry, for N8N_VERSION:
//
//   node tools/harness/resolveN8nVersion.mjs latest      → 2.41.1 (or whatever latest is)
//
// Exits 1, saying why, when the registry does not resolve it (an unknown tag, a version never
// published): the weekly workflow then fails instead of testing the default n8n.
import { execFileSync } from 'node:child_process';

const spec = process.argv[2];
if (!spec) {
	console.error('usage: node tools/harness/resolveN8nVersion.mjs <n8n version or dist-tag>');
	process.exit(1);
}
let versions;
try {
	const out = execFileSync('npm', ['view', `n8n@${spec}`, 'version', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
	versions = out.trim() === '' ? [] : [JSON.parse(out)].flat();
} catch (error) {
	console.error(`n8n@${spec} does not resolve on the registry: ${String(error.stderr ?? error.message).split('\n').find((line) => /E404|ERR|error/i.test(line)) ?? error.message}`);
	process.exit(1);
}
if (versions.length === 0) {
	console.error(`n8n@${spec} matches no published version`);
	process.exit(1);
}
// A range matches several: the newest is the one npm would install.
console.log(versions.at(-1));
