// The trigger's options as the docs write them are the ones the code defines: TRIGGER_OPTIONS is
// the single source. A default changed there fails here, naming every place that still writes
// the old one: the README's options table (label, internal name, default), and every sentence of
// the README, SECURITY.md and docs/ that names an option and its default.
const { readdirSync } = require('node:fs');
const path = require('node:path');

const { TRIGGER_OPTIONS } = require('../nodes/Anon/trigger/options');
const { read, root } = require('./helpers/tree');

const readme = read('README.md');
const rows = new Map(
	[...readme.matchAll(/^\| (?:\*\*)?([^|*]+?)(?:\*\*)? \(`(\w+)`\) \| ([^|]+) \|/gm)].map(([, label, name, shownDefault]) => [
		name,
		{ label: label.trim(), shownDefault: shownDefault.trim() },
	]),
);
/** How the README writes a default: off, empty, a number, or the value in code font. */
const shownAs = (value) => (value === false ? 'off' : value === '' ? 'empty' : typeof value === 'number' ? String(value) : `\`${String(value)}\``);

describe("the README's options table, held to TRIGGER_OPTIONS", () => {
	it.each(Object.entries(TRIGGER_OPTIONS))('%s: the label the editor shows and the default the code uses', (name, option) => {
		const row = rows.get(name);
		expect(row?.label).toBe(option.label);
		expect(row?.shownDefault).toContain(shownAs(option.default));
	});
});

/** The prose of the user-facing docs, as sentences (a paragraph's lines joined; tables and code left out). */
const docs = ['README.md', 'SECURITY.md', ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const sentences = docs.flatMap((file) =>
	read(file)
		.replace(/```[\s\S]*?```/g, '')
		.split(/\n\s*\n/)
		.filter((paragraph) => !paragraph.trimStart().startsWith('|'))
		.flatMap((paragraph) => paragraph.replace(/\s*\n\s*/g, ' ').split(/(?<=[.!?])\s+(?=[A-Z*`(])/))
		.map((sentence) => ({ file, sentence })),
);

/** Every way a sentence may write an option's default value: the choice's name or value, the number, on/off. */
function writtenAs(option) {
	const value = option.default;
	if (typeof value === 'boolean') return value ? ['on', 'true', 'enabled'] : ['off', 'false', 'disabled'];
	const choice = option.property.options?.find((o) => o.value === value);
	return [String(value), ...(choice ? [choice.name] : [])];
}

describe("every sentence of the docs that gives an option's default gives the code's", () => {
	const named = Object.entries(TRIGGER_OPTIONS).filter(([, option]) => option.default !== '');

	it('finds such sentences', () => {
		const found = named.flatMap(([, option]) => sentences.filter(({ sentence }) => sentence.includes(option.label.replace(/ \(.*\)$/, '')) && /\bdefault\b/.test(sentence)));
		expect(found.length).toBeGreaterThan(0);
	});

	it.each(named)('%s', (name, option) => {
		const label = option.label.replace(/ \(.*\)$/, '');
		const stale = sentences
			.filter(({ sentence }) => sentence.includes(label) && /\bdefault\b/.test(sentence))
			.filter(({ sentence }) => !writtenAs(option).some((text) => new RegExp(`(^|[^\\w])${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^\\w]|$)`).test(sentence)))
			.map(({ file, sentence }) => `${file}: "${sentence}" (the default is ${JSON.stringify(option.default)})`);
		expect(stale).toEqual([]);
	});
});
