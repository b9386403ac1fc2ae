// The node's catalog (ANON_EVENT_TYPES in nodes/Anon/trigger/eventCatalog.ts) is the one list of
// event types. Everything an event type needs is checked against it, and every failure names
// the missing piece and where it goes: the checklist for adding an event type (CONTRIBUTING.md).
const { existsSync, readFileSync } = require('node:fs');
const path = require('node:path');

const { ANON_EVENT_TYPES, resourceSchema } = require('../nodes/Anon/trigger/eventCatalog');
const fixtures = require('../fixtures/index.cjs');

const root = path.join(__dirname, '..');
const relative = (file) => path.relative(root, file);
const catalog = ANON_EVENT_TYPES.map((event) => event.value);

/** What `type` lacks, each as "<type>: <what>, <where>". */
function missingFor(type, name, { eventsRow, eventsPage }) {
	const missing = [];
	if (!resourceSchema(type)) {
		missing.push(`${type}: no schema for its resource "${type.split('.')[0]}" (RESOURCE_SCHEMAS in nodes/Anon/trigger/eventCatalog.ts)`);
	}
	const example = fixtures.fixturePath('events', type);
	if (!existsSync(example)) missing.push(`${type}: no example event ${relative(example)} (Anon's payload, byte for byte)`);
	const item = fixtures.fixturePath('items', type);
	if (!existsSync(item)) {
		missing.push(`${type}: no expected item ${relative(item)} (what the trigger emits for the example)`);
	} else if (!eventsPage.includes(`## \`${type}\`\n`) || !eventsPage.includes(readFileSync(item, 'utf8').trim())) {
		missing.push(`${type}: no "## \`${type}\`" section in docs/events.md showing ${relative(item)} as it is`);
	}
	if (!eventsRow.includes(name)) missing.push(`${type}: the README's Events option row does not name "${name}"`);
	return missing;
}

describe("the node's event catalog", () => {
	const docs = {
		// The README's Events option row, which names every type as the editor shows it.
		eventsRow: readFileSync(path.join(root, 'README.md'), 'utf8').split('\n').find((line) => line.startsWith('| **Events** (`events`)')) ?? '',
		eventsPage: readFileSync(path.join(root, 'docs', 'events.md'), 'utf8'),
	};

	it('lists event types', () => {
		expect(catalog.length).toBeGreaterThan(0);
	});

	it('has, for every type, a schema, an example, an expected item and its documentation', () => {
		const missing = ANON_EVENT_TYPES.flatMap(({ value, name }) => missingFor(value, name, docs));
		expect(missing).toEqual([]);
	});

	it('is the only list: no example, item or docs/events.md section for a type outside it', () => {
		const outside = [
			...fixtures.EVENT_TYPES.map((type) => [type, relative(fixtures.fixturePath('events', type))]),
			...fixtures.ITEM_TYPES.map((type) => [type, relative(fixtures.fixturePath('items', type))]),
			...[...docs.eventsPage.matchAll(/^## `([^`]+)`$/gm)].map((m) => [m[1], 'a section of docs/events.md']),
		]
			.filter(([type]) => !catalog.includes(type))
			.map(([type, where]) => `${type}: ${where}, but the type is not in ANON_EVENT_TYPES`);
		expect(outside).toEqual([]);
	});
});
