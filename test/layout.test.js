// The shape of the tooling and test tree: tools/, test/ and scripts/. Plain JavaScript: it
// needs child_process and fs. Three rules over every .ts, .js, .mjs and .cjs file git tracks there
// or would track (new files not ignored; fixtures/ is data):
//   1. no file is over MAX_LINES lines: split it by concern instead;
//   2. no two files share a name, so a name found in a log, a stack trace or a search is one file.
//      Two names clash when their basenames are equal (queue.mjs twice), or when their stems
//      are (the basename without its .ts/.js/.mjs/.d.ts: queue.mjs beside queue.ts).
//      `x.test.ts` beside `x.ts` is fine: their stems, `x.test` and `x`, differ. A .d.ts beside
//      the .js it declares, in the same folder, is one module, not a clash;
//   3. no file cites the tracker's issue numbers: a comment or a test name says what it means,
//      in words, not where it was asked for (history belongs in CHANGELOG.md and the git log).
// Each failure names the offending files.
const { execFileSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const MAX_LINES = 400;
const CITATION = /\bissue #?\d+|#\d{2}\b/i;

const sources = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', 'tools', 'test', 'scripts'], { cwd: root, encoding: 'utf8' })
	.split('\0')
	.filter((f) => /\.(ts|js|mjs|cjs)$/.test(f));

const stem = (file) => path.basename(file).replace(/\.(d\.ts|ts|js|mjs|cjs)$/, '');
const read = (file) => readFileSync(path.join(root, file), 'utf8');
const lineCount = (file) => read(file).replace(/\n$/, '').split('\n').length;

describe('the layout of tools/, test/ and scripts/', () => {
	it('finds the files it checks', () => {
		expect(sources).toEqual(expect.arrayContaining(['test/layout.test.js', 'tools/harness/suite.mjs', 'scripts/bench.mjs']));
	});

	it(`has no file over ${MAX_LINES} lines`, () => {
		const over = sources
			.map((file) => ({ file, lines: lineCount(file) }))
			.filter(({ lines }) => lines > MAX_LINES)
			.map(({ file, lines }) => `${file}: ${lines} lines`);
		expect(over).toEqual([]);
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

// The product (nodes/, credentials/): the trigger's node file holds its description and its
// steps in order, nothing else; no file is over 300 lines; no two functions share a name (the
// operations' `execute`, which n8n's resource modules all export, aside), so a name says one thing.
const product = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', 'nodes', 'credentials'], { cwd: root, encoding: 'utf8' })
	.split('\0')
	.filter((f) => f.endsWith('.ts'));

describe('the layout of the product', () => {
	it('keeps the trigger node file to its description and the order of its steps (≤ 200 lines, no function of its own)', () => {
		const node = read('nodes/Anon/AnonTrigger.node.ts');
		expect(lineCount('nodes/Anon/AnonTrigger.node.ts')).toBeLessThanOrEqual(200);
		expect(node.match(/^(export )?(async )?function /gm) ?? []).toEqual([]);
	});

	it('has no product file over 300 lines', () => {
		const over = product.filter((file) => lineCount(file) > 300).map((file) => `${file}: ${lineCount(file)} lines`);
		expect(over).toEqual([]);
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
