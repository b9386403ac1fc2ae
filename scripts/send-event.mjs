#!/usr/bin/env node
// Signs one of Anon's example events (fixtures/events/<type>.json) with svix and POSTs
// it, like Anon does; prints the answer.
//
//   node scripts/send-event.mjs <type> [--url <webhook url>] [--secret <whsec_...>] [--id <msg_...>]
//
// Without --url / --secret, the "Anon: all events" production URL and the signing secret
// of the `npm start` instance (<cache>/dev-instance/instance.json) are used.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { EXAMPLE_TYPES as TYPES, sendEvent } from '../tools/harness/signedEvents.mjs';
import { CACHE_DIR } from '../tools/harness/runtime.mjs';

const INSTANCE_FILE = path.join(CACHE_DIR, 'dev-instance', 'instance.json');

const { values, positionals } = parseArgs({
	allowPositionals: true,
	options: { url: { type: 'string' }, secret: { type: 'string' }, id: { type: 'string' } },
});
const [type] = positionals;
if (!TYPES.includes(type)) {
	console.error(`usage: node scripts/send-event.mjs <type> [--url URL] [--secret whsec_...] [--id msg_...]
types: ${TYPES.join(', ')}`);
	process.exit(2);
}

const instance = existsSync(INSTANCE_FILE) ? JSON.parse(readFileSync(INSTANCE_FILE, 'utf8')) : {};
const url = values.url ?? instance.workflows?.allEvents?.productionUrl;
const secret = values.secret ?? instance.signingSecret;
if (!url || !secret) {
	console.error(`no --url/--secret given and no ${INSTANCE_FILE} (run \`npm start\` first)`);
	process.exit(2);
}

const { status, body } = await sendEvent(url, { type, secret, msgId: values.id });
console.log(`${type} → ${url}`);
console.log(`${status} ${typeof body === 'string' ? body : JSON.stringify(body)}`);
process.exit(status >= 200 && status < 300 ? 0 : 1);
