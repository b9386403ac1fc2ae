// The README's install commands as the suites read them (readme.mjs).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { readFileSync } from 'node:fs';

import { cloneUrlIn, npmInstallsIn, readReadme, shellBlocks, tarballBlocks, tarballIn, userInstallCommands } from '../../tools/harness/readme.mjs';

describe('the install commands read from a README', () => {
	const sample = [
		'## Install',
		'```sh',
		'mkdir -p ~/.n8n/nodes && cd ~/.n8n/nodes',
		'npm install n8n-nodes-anon',
		'```',
		'Queue mode: run the same `npm install n8n-nodes-anon` on every process.',
		'## Docker',
		'```sh',
		"docker run --entrypoint sh img -c 'npm i --omit=peer n8n-nodes-anon@0.2.0'",
		'```',
		'## Develop',
		'```sh',
		'npm install && npm start',
		'npm install n8n-nodes-anonymous',
		'```',
	].join('\n');

	test('finds the fenced shell blocks with their section', () => {
		assert.deepEqual(
			shellBlocks(sample).map((block) => block.section),
			['Install', 'Docker', 'Develop'],
		);
	});

	test('sorts the blocks that install the package into run and docker; other npm installs are not it', () => {
		const { run, docker, commands } = userInstallCommands(sample);
		assert.deepEqual(run.map((block) => block.section), ['Install']);
		assert.deepEqual(docker.map((block) => block.section), ['Docker']);
		assert.deepEqual(commands, ['npm install n8n-nodes-anon', 'npm i --omit=peer n8n-nodes-anon@0.2.0']);
		assert.deepEqual(npmInstallsIn(run[0].code), ['npm install n8n-nodes-anon']);
	});
});

describe("this project's README", () => {
	const { run, docker, commands } = userInstallCommands();

	test('gives an npm install of the package in "Install in n8n", which test/e2e/readmeInstall.suite.mjs runs', () => {
		assert.ok(run.length > 0, 'no shell block installs n8n-nodes-anon with npm');
		assert.ok(run.some((block) => block.section === 'Install in n8n'));
	});

	test('names no npm install of the package that differs from one the suite runs', () => {
		const ran = new Set(run.flatMap((block) => npmInstallsIn(block.code)));
		assert.deepEqual(commands.filter((command) => !ran.has(command)), []);
	});

	test('makes the tarball it installs in one block (a clone of the repository, npm run tarball), which test/e2e/readmeInstall.suite.mjs runs', () => {
		const blocks = tarballBlocks();
		assert.equal(blocks.length, 1, 'one shell block runs `npm run tarball`');
		const { repository } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
		assert.equal(cloneUrlIn(blocks[0].code), repository.url.replace(/^git\+/, ''));
		const installed = run.flatMap((block) => npmInstallsIn(block.code)).map(tarballIn).filter(Boolean);
		assert.ok(installed.length > 0 && installed.every((tarball) => blocks[0].code.includes(tarball)), 'the block leaves the tarball the install block installs');
	});

	test('never tells a user to run a plain `npm pack` (with scripts off it packs no nodes)', () => {
		assert.doesNotMatch(readReadme(), /npm pack\b/);
	});

	test('has a Docker recipe', () => {
		assert.ok(docker.length > 0);
	});
});
