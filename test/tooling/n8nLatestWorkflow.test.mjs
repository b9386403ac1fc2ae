// The weekly workflow against n8n's latest and next (.github/workflows/n8n-latest.yml) can fail:
// its "Resolve the n8n version" step, run here as GitHub runs a step (bash -e -o pipefail),
// fails for a tag the registry does not have, and the harness refuses an empty or inexact
// N8N_VERSION instead of falling back to the default n8n.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';

import { REPO_ROOT } from '../../tools/harness/package.mjs';
import { n8nVersionFrom } from '../../tools/harness/runtime.mjs';

/** The `run: |` script of the step named `name` in a workflow file. */
function stepScript(workflow, name) {
	const lines = workflow.split('\n');
	const start = lines.findIndex((line) => line.trim() === `- name: ${name}`);
	assert.ok(start >= 0, `no step "${name}"`);
	const run = lines.findIndex((line, index) => index > start && /^\s+run: \|\s*$/.test(line));
	const indent = lines[run + 1].match(/^\s*/)[0];
	const script = [];
	for (const line of lines.slice(run + 1)) {
		if (line.trim() !== '' && !line.startsWith(indent)) break;
		script.push(line.slice(indent.length));
	}
	return script.join('\n');
}

describe('the weekly check against n8n latest', () => {
	const workflow = readFileSync(path.join(REPO_ROOT, '.github/workflows/n8n-latest.yml'), 'utf8');
	const script = stepScript(workflow, 'Resolve the n8n version');

	const runStep = (tag) => {
		const dir = mkdtempSync(path.join(os.tmpdir(), 'anon-n8n-latest-'));
		const output = path.join(dir, 'github-output');
		try {
			const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
				cwd: REPO_ROOT,
				env: { ...process.env, TAG: tag, GITHUB_OUTPUT: output },
				encoding: 'utf8',
			});
			let written = '';
			try {
				written = readFileSync(output, 'utf8');
			} catch {
				// nothing written
			}
			return { status: result.status, stderr: result.stderr, written };
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	};

	test('fails for a tag the registry does not have, and writes no version', () => {
		const { status, stderr, written } = runStep('no-such-tag-anon-ci');
		assert.notEqual(status, 0, 'the step must fail');
		assert.match(stderr, /does not resolve/);
		assert.equal(written, '');
	});

	test('writes the exact version for a version that exists', () => {
		const { status, written } = runStep('2.41.1');
		assert.equal(status, 0);
		assert.equal(written, 'version=2.41.1\n');
	});

	test('the suites refuse an empty or inexact N8N_VERSION rather than test the default n8n', () => {
		assert.equal(n8nVersionFrom({}), '2.41.1');
		assert.equal(n8nVersionFrom({ N8N_VERSION: '1.123.81' }), '1.123.81');
		for (const bad of ['', 'latest', '2.41']) assert.throws(() => n8nVersionFrom({ N8N_VERSION: bad }), /exact n8n version/);
	});
});

describe('the weekly check runs tests that exist', () => {
	test('its name pattern picks one group of the suite it runs, a group that holds tests', () => {
		const workflow = readFileSync(path.join(REPO_ROOT, '.github/workflows/n8n-latest.yml'), 'utf8');
		const [, pattern, file] = /node --test --test-name-pattern='([^']+)' (\S+)/.exec(workflow) ?? [];
		assert.ok(pattern, 'the workflow runs a suite narrowed by --test-name-pattern');
		const suite = readFileSync(path.join(REPO_ROOT, file), 'utf8');
		const groups = [...suite.matchAll(/^(\t*)describe\('([^']+)'/gm)].filter(([, , name]) => new RegExp(pattern).test(name));
		assert.equal(groups.length, 1, `groups of ${file} the pattern ${pattern} picks`);
		// The group's tests: from its describe to the next one at the same depth.
		const [whole, indent] = groups[0];
		const body = suite.slice(suite.indexOf(whole) + whole.length).split(new RegExp(`\n${indent}(describe\\(|\\}\\);)`))[0];
		assert.ok((body.match(/^\s+test\(/gm) ?? []).length >= 5, `tests in "${groups[0][2]}"`);
	});
});

describe('the CI workflow says what npm test runs', () => {
	test("ci.yml's summary of `npm test` names the folders package.json's script runs", () => {
		const ci = readFileSync(path.join(REPO_ROOT, '.github/workflows/ci.yml'), 'utf8');
		const { scripts } = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
		const folder = /node --test (\S+)/.exec(scripts.test)[1];
		assert.match(ci, new RegExp(`node --test ${folder.replace(/[/.]/g, '\\$&')}`));
	});
});
