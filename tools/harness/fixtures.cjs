// The one reader of test/fixtures: Anon's example events (events/<type>.json, the exact bytes
// Anon sends) and the item the trigger emits for each (items/<type>.json). The unit tests
// (test/helpers/webhook.ts), the harness (signedEvents.mjs) and the catalog test all read the
// fixtures through it, so adding an event type adds files here and writes no list anywhere.
// CommonJS and synchronous: jest's TypeScript tests require it, the .mjs tooling imports it.
const { existsSync, readdirSync, readFileSync } = require('node:fs');
const path = require('node:path');

const FIXTURES_DIR = path.join(__dirname, '..', '..', 'test', 'fixtures');
/** The dashboard's test message: an example without an envelope, and without an item. */
const PING_TYPE = 'svix.ping';

const fixturePath = (folder, type) => path.join(FIXTURES_DIR, folder, `${type}.json`);

/** The types with a file in test/fixtures/<folder>, sorted. */
function typesIn(folder) {
	return readdirSync(path.join(FIXTURES_DIR, folder))
		.filter((file) => file.endsWith('.json'))
		.map((file) => file.slice(0, -'.json'.length))
		.sort();
}

/** Every example in test/fixtures/events: Anon's event types and `svix.ping`. */
const EXAMPLE_TYPES = typesIn('events');
/** Anon's event types with an example (every example but the ping). */
const EVENT_TYPES = EXAMPLE_TYPES.filter((type) => type !== PING_TYPE);
/** The event types with an expected item in test/fixtures/items. */
const ITEM_TYPES = typesIn('items');

function read(folder, type) {
	const file = fixturePath(folder, type);
	if (!existsSync(file)) throw new Error(`no fixture ${path.relative(path.join(FIXTURES_DIR, '..', '..'), file)} for type "${type}"`);
	return readFileSync(file, 'utf8');
}

/** Anon's example event of `type`, as the exact text of its fixture file. */
const exampleText = (type) => read('events', type);

/** The item the trigger emits (Output: flat) for the example event of `type`. */
const expectedItem = (type) => JSON.parse(read('items', type));

module.exports = { EVENT_TYPES, EXAMPLE_TYPES, FIXTURES_DIR, ITEM_TYPES, PING_TYPE, exampleText, expectedItem, fixturePath };
