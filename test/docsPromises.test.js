// What README.md and SECURITY.md promise about the trigger, held against what the code does.
const { readFileSync } = require('node:fs');
const path = require('node:path');

const { KEY_FORMATS, NEVER_SHOWN } = require('../nodes/Anon/trigger/deliveryHeaders');

const root = path.join(__dirname, '..');
const read = (file) => readFileSync(path.join(root, file), 'utf8');
/** The text of a `## heading` section, up to the next `## `. */
const section = (text, heading) => {
	const start = text.indexOf(`\n## ${heading}\n`);
	expect(start).toBeGreaterThan(-1);
	const end = text.indexOf('\n## ', start + 1);
	return text.slice(start, end === -1 ? undefined : end);
};

describe('Headers to Show: the README, SECURITY.md and the module comment name what the code redacts', () => {
	const row = read('README.md')
		.split('\n')
		.find((line) => line.startsWith('| Headers to Show'));
	const leakage = read('SECURITY.md')
		.split('\n')
		.find((line) => line.startsWith('| **Secret leakage**'));
	const moduleComment = read('nodes/Anon/trigger/deliveryHeaders.ts').split('*/')[0].replace(/\s*\n\s*\*\s*/g, ' ');

	it('names every header that is never shown (the README row the first two, as examples)', () => {
		for (const name of NEVER_SHOWN) {
			expect(leakage).toContain(`\`${name}\``);
			expect(moduleComment).toContain(`\`${name}\``);
		}
		expect(row).toContain('`authorization`, `cookie`, …');
	});

	it('names every family of keys recognised by prefix, and the comment says nothing is guessed from randomness', () => {
		expect(KEY_FORMATS.length).toBeGreaterThan(0);
		for (const { family } of KEY_FORMATS) {
			expect(row).toContain(family);
			expect(moduleComment).toContain(family);
		}
		expect(row).toMatch(/keys by prefix/);
		expect(moduleComment).toMatch(/Nothing is guessed from how random a value looks/);
	});
});

describe("Output: the README states that the resource's fields win over the rest of data", () => {
	it('says a colliding field of data is renamed (data.id → _id) and reported', () => {
		const output = section(read('README.md'), 'Output');
		const rule = output.split('\n\n').find((paragraph) => paragraph.includes('`data.id`')) ?? '';
		expect(rule).toMatch(/`data\.id` → `_id`/);
		expect(rule).toContain('`schema_issues`');
	});
});

describe('when a request is answered: SECURITY.md states the cases as they are', () => {
	const security = read('SECURITY.md');
	const guarantees = section(security, 'What the node guarantees');

	it('does not promise an answer at once to every request', () => {
		expect(security).not.toMatch(/no request hangs/i);
		expect(read('README.md')).not.toMatch(/no request hangs/i);
	});

	it('names what waits: When the Workflow Finishes (and a Wait node), and a body n8n reads first', () => {
		expect(guarantees).toContain('*When the Workflow Finishes*');
		expect(guarantees).toMatch(/Wait node/);
		expect(guarantees).toContain('`multipart/form-data`');
	});

	it('does not call a multipart/form-data body unread: n8n parses and stores it before the node runs', () => {
		const slowBodies = security.split('\n').find((line) => line.startsWith('| **Slow bodies**'));
		expect(slowBodies).toContain('`multipart/form-data`');
		expect(slowBodies).not.toMatch(/any `?Content-Type`? but JSON, text, XML or URL-encoded form, or none\)/);
	});
});
