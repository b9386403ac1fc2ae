// Anon's events as Anon (through Svix) sends them: the example payloads of fixtures/events
// (read by fixtures/index.cjs), signing secrets in Anon's format, Svix signatures made by the `svix`
// library itself, and single signed deliveries. Load in bulk is load.mjs.
import { randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';

import { exampleText } from '../../fixtures/index.cjs';
import { REPO_ROOT } from './package.mjs';
import { request } from './request.mjs';

const require = createRequire(import.meta.url);

// The examples and items, from the one reader of fixtures/. `exampleBody` is the exact text
// of the fixture file (the bytes to sign and send); callers may await it.
export { EVENT_TYPES, EXAMPLE_TYPES, exampleText as exampleBody, expectedItem } from '../../fixtures/index.cjs';

/**
 * The built node's own event catalog, `{ name, value }` (the editor's label, Anon's type), in
 * the order the editor lists them (needs dist/, so call it after buildAndPack()).
 */
export function catalogEvents() {
	return require(path.join(REPO_ROOT, 'dist', 'nodes', 'Anon', 'trigger', 'eventCatalog.js')).ANON_EVENT_TYPES;
}

/** A fresh signing secret in Anon's (Svix's) format. */
export function newSigningSecret() {
	return `whsec_${randomBytes(24).toString('base64')}`;
}

/**
 * `count` distinct Anon events: the example payload of `type` with its envelope id replaced
 * by `<prefix>_<n>` (so every execution can be traced to one event) and a fresh svix-id each.
 * Returns [{ eventId, msgId, body }] (body = the exact bytes to sign and send).
 */
export async function distinctEvents(count, { prefix = 'evt_q', type = 'job_run.completed' } = {}) {
	const template = JSON.parse(exampleText(type));
	return Array.from({ length: count }, (_, i) => {
		const eventId = `${prefix}_${String(i).padStart(5, '0')}`;
		return { eventId, msgId: `msg_${prefix}_${i}_${randomBytes(6).toString('hex')}`, body: JSON.stringify({ ...template, id: eventId }) };
	});
}

/** Svix headers for `body`, signed with `secret` (svix's own signer, as Anon uses). */
export function svixHeaders({
	secret,
	body,
	msgId = `msg_${randomUUID().replaceAll('-', '')}`,
	timestamp = new Date(),
}) {
	const { Webhook } = require('svix');
	// Several secrets: one signature each, space-separated, as Svix signs during a rotation.
	const secrets = Array.isArray(secret) ? secret : [secret];
	return {
		'svix-id': msgId,
		'svix-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
		'svix-signature': secrets.map((key) => new Webhook(key).sign(msgId, timestamp, body)).join(' '),
	};
}

/** The headers of one delivery as Svix sends it; `signed` replaces the signature headers. */
export function deliveryHeaders({ secret, body, msgId, timestamp, signed }) {
	return {
		'content-type': 'application/json',
		'user-agent': 'Svix-Webhooks/1.0',
		...(signed ?? svixHeaders({ secret, body, msgId, timestamp })),
	};
}

/**
 * POSTs an event like Anon does, over http: or https: (the harness's nginx). `body` defaults
 * to the example of `type`; `headers` replaces the signed headers (e.g. to drop or tamper
 * them). Waits for the answer however long it takes; throws when there is none (connection
 * refused or reset; the code is the error's `cause.code`). Returns { status, body } (body parsed when it is JSON).
 */
export async function sendEvent(url, { type, secret, body, msgId, timestamp, headers } = {}) {
	body ??= exampleText(type);
	const answer = await request(url, {
		headers: deliveryHeaders({ secret, body, msgId, timestamp, signed: headers }),
		body,
		timeoutMs: null,
		agent: false,
	});
	if (answer.status === 0) {
		// As fetch reports it: the connection error's code (ECONNREFUSED, …) as the cause's.
		throw new Error(`no HTTP answer from ${url} (${answer.error})`, { cause: Object.assign(new Error(answer.error), { code: answer.error }) });
	}
	let parsed = answer.body;
	try {
		parsed = JSON.parse(answer.body);
	} catch {
		// keep text
	}
	return { status: answer.status, body: parsed };
}
