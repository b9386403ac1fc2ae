// The shape of the tree, as rules that say where a thing goes rather than how long it may be
// (a file grows as long as its one concern needs; when it holds two, split it by concern). Each
// failure names the files and the rule's reason.
//
// Product (nodes/, credentials/):
//   - a file opens with a comment that says what it is for, one concern: n8n's node and
//     credential files aside, whose description is that;
//   - the trigger's node file holds its description and its steps in order, no function of its own;
//   - no two functions share a name (the operations' `execute`, which n8n's resource modules all
//     export, aside), so a name says one thing.
// Tests, harness and scripts (test/, tools/, scripts/):
//   - a file opens with a comment that says what it is for;
//   - a test's suffix says how it runs, and its folder agrees (TEST_KINDS); every suite has the
//     npm script that runs it;
//   - no two files share a name, so a name found in a log, a stack trace or a search is one file.
//     Two names clash when their basenames are equal (queue.mjs twice), or when their stems are
//     (the basename without .ts/.js/.mjs/.cjs/.d.ts: queue.mjs beside queue.ts). A .d.ts beside
//     the .js it declares is one module;
//   - no file cites the tracker's issue numbers: a comment or a test name says what it means, in
//     words (history belongs in CHANGELOG.md and the git log).
const path = require('node:path');

const { read, tracked: trackedFiles } = require('./helpers/tree');

const CITATION = /\bissue #?\d+|#\d{2}\b/i;

const tracked = (...folders) => trackedFiles(...folders).filter((f) => /\.(ts|js|mjs|cjs)$/.test(f));
const sources = tracked('tools', 'test', 'scripts');
const product = tracked('nodes', 'credentials').filter((f) => f.endsWith('.ts'));

const stem = (file) => path.basename(file).replace(/\.(d\.ts|ts|js|mjs|cjs)$/, '');
/** Whether a file's first lines are a comment (after a shebang or 'use strict'). */
const opensWithComment = (file) => /^(#!.*\n)?(\/\*\*|\/\/)/.test(read(file));

/**
 * Every test file, by suffix: how it runs and where it lives. Anything else under test/ is a
 * helper (test/helpers/) or a jest snapshot.
 */
const TEST_KINDS = [
	{ suffix: '.test.ts', runs: 'jest (npm test; test/stress/ with npm run test:reliability): the package\'s code, in process, linted by n8n\'s rules', folder: /^test\/(trigger|action|stress)\// },
	{ suffix: '.test.js', runs: 'jest (npm test): the tree (README, docs, package, layout) against the code', folder: /^test\/[^/]+$/ },
	{ suffix: '.test.mjs', runs: 'node:test (npm test): the harness\'s own pieces', folder: /^test\/tooling\// },
	{ suffix: '.suite.mjs', runs: 'node:test, one npm script each: a real n8n (with nginx, PostgreSQL, Redis or a browser)', folder: /^test\/(e2e|reliability|ui)\// },
];

describe('the layout of the product', () => {
	it('finds the files it checks', () => {
		expect(product).toEqual(expect.arrayContaining(['nodes/Anon/AnonTrigger.node.ts', 'nodes/Anon/trigger/answers.ts']));
	});

	it('opens every file with what it is for (n8n node and credential files aside)', () => {
		const silent = product.filter((file) => !/\.(node|credentials)\.ts$/.test(file) && !opensWithComment(file));
		expect(silent).toEqual([]);
	});

	it('keeps the trigger node file to its description and the order of its steps: no function of its own', () => {
		expect(read('nodes/Anon/AnonTrigger.node.ts').match(/^(export )?(async )?function /gm) ?? []).toEqual([]);
	});

	it('has no two product functions with the same name', () => {
		const where = new Map();
		for (const file of product) {
			for (const [, name] of read(file).matchAll(/^(?:export )?(?:async )?function ([A-Za-z0-9_]+)/gm)) {
				if (name !== 'execute') where.set(name, [...(where.get(name) ?? []), file]);
			}
		}
		expect([...where].filter(([, files]) => files.length > 1).map(([name, files]) => `${name}: ${files.join(', ')}`)).toEqual([]);
	});
});

describe('the layout of tools/, test/ and scripts/', () => {
	it('finds the files it checks', () => {
		expect(sources).toEqual(expect.arrayContaining(['test/layout.test.js', 'tools/harness/suite.mjs', 'scripts/bench.mjs']));
	});

	it('opens every file with what it is for', () => {
		expect(sources.filter((file) => !file.endsWith('.d.ts') && !opensWithComment(file))).toEqual([]);
	});

	it('names every test by how it runs, in the folder of its kind; every other file in test/ is a helper', () => {
		const misplaced = sources
			.filter((file) => file.startsWith('test/'))
			.flatMap((file) => {
				const kind = TEST_KINDS.find(({ suffix }) => file.endsWith(suffix));
				if (kind) return kind.folder.test(file) ? [] : [`${file}: a ${kind.suffix} file runs under ${kind.runs}; it belongs in ${kind.folder}`];
				return file.startsWith('test/helpers/') ? [] : [`${file}: not a test by its suffix (${TEST_KINDS.map((k) => k.suffix).join(', ')}), so a helper: test/helpers/`];
			});
		expect(misplaced).toEqual([]);
	});

	it('runs every suite from an npm script', () => {
		const scripts = Object.values(JSON.parse(read('package.json')).scripts).join('\n');
		expect(sources.filter((file) => file.endsWith('.suite.mjs') && !scripts.includes(file))).toEqual([]);
	});

	it('has no two files with the same name', () => {
		const byName = new Map();
		for (const file of sources) {
			for (const key of new Set([`basename ${path.basename(file)}`, `stem ${stem(file)}`])) {
				byName.set(key, [...(byName.get(key) ?? []), file]);
			}
		}
		const declarationPair = (files) =>
			files.length === 2 &&
			new Set(files.map((f) => path.dirname(f))).size === 1 &&
			files.some((f) => f.endsWith('.d.ts')) &&
			files.some((f) => f.endsWith('.js'));
		const clashes = [...byName]
			.filter(([, files]) => files.length > 1 && !declarationPair(files))
			.map(([key, files]) => `${key}: ${files.join(', ')}`);
		expect(clashes).toEqual([]);
	});

	it('cites no tracker issue number', () => {
		const citing = sources.flatMap((file) =>
			read(file)
				.split('\n')
				.map((line, i) => (CITATION.test(line) ? `${file}:${i + 1}: ${line.trim()}` : null))
				.filter(Boolean),
		);
		expect(citing).toEqual([]);
	});
});
