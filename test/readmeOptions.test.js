// The README's options table (label, internal name, default) is the one the code defines:
// TRIGGER_OPTIONS is the single source, and a default changed there fails here until the README
// says the same.
const { readFileSync } = require('node:fs');
const path = require('node:path');

const { TRIGGER_OPTIONS } = require('../nodes/Anon/trigger/options');

const readme = readFileSync(path.join(__dirname, '../README.md'), 'utf8');
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
