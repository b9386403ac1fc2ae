// Every link a reader or n8n's editor follows lands somewhere: each relative link and anchor in
// the project's Markdown files, and each URL to the project's documentation in the Markdown
// files, the codex files (*.node.json) and the node and credential descriptions, points at a
// file that exists and a heading it has (GitHub's anchors).
const { existsSync, readdirSync, readFileSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const PROJECT = 'https://github.com/anon-com/n8n-nodes-anon';

const markdownFiles = [
	...readdirSync(root).filter((f) => f.endsWith('.md')),
	...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`),
	'fixtures/min-trigger/README.md',
];
const sourceFiles = [
	...readdirSync(path.join(root, 'nodes/Anon')).filter((f) => /\.node\.(json|ts)$/.test(f)).map((f) => `nodes/Anon/${f}`),
	...readdirSync(path.join(root, 'credentials')).map((f) => `credentials/${f}`),
];

/** The anchors GitHub gives a Markdown file's headings. */
function anchors(file) {
	const seen = new Map();
	const result = new Set();
	let fenced = false;
	for (const line of readFileSync(path.join(root, file), 'utf8').split('\n')) {
		if (/^```/.test(line)) fenced = !fenced;
		const heading = !fenced && /^#{1,6} (.+)$/.exec(line);
		if (!heading) continue;
		const slug = heading[1].trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/ /g, '-');
		const count = seen.get(slug) ?? 0;
		seen.set(slug, count + 1);
		result.add(count === 0 ? slug : `${slug}-${count}`);
	}
	return result;
}

/** What is wrong with a link to `target` (a repository path) and `anchor`, or undefined. */
function problem(target, anchor) {
	if (!existsSync(path.join(root, target))) return `${target} does not exist`;
	if (anchor && !(target.endsWith('.md') && anchors(target).has(anchor))) return `${target} has no heading #${anchor}`;
	return undefined;
}

describe('links', () => {
	it('every relative link and anchor in the Markdown files lands on a file and a heading', () => {
		const broken = [];
		for (const file of markdownFiles) {
			const text = readFileSync(path.join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');
			for (const [, href] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
				if (/^[a-z]+:/i.test(href)) continue;
				const [target, anchor] = href.split('#');
				const resolved = target === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), target));
				const wrong = problem(resolved, anchor);
				if (wrong) broken.push(`${file}: (${href}): ${wrong}`);
			}
		}
		expect(broken).toEqual([]);
	});

	it("every URL to the project's documentation, in Markdown, codex files and descriptions, lands on a heading", () => {
		const broken = [];
		for (const file of [...markdownFiles, ...sourceFiles]) {
			const text = readFileSync(path.join(root, file), 'utf8');
			for (const [url] of text.matchAll(new RegExp(`${PROJECT.replace(/[.]/g, '\\.')}[^\\s"'\`)<>]*`, 'g'))) {
				const [address, anchor] = url.split('#');
				const rest = address.slice(PROJECT.length);
				let target;
				if (rest === '' || rest.startsWith('?') || rest === '#' || rest === '/') target = 'README.md';
				else if (rest.startsWith('/blob/main/')) target = rest.slice('/blob/main/'.length);
				else if (/^\/(issues|releases|actions|security)\b/.test(rest) || rest === '.git') continue;
				else target = rest.slice(1);
				const wrong = problem(target, anchor);
				if (wrong) broken.push(`${file}: ${url}: ${wrong}`);
			}
		}
		expect(broken).toEqual([]);
	});
});
