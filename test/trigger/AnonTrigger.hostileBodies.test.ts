// The Anon Trigger against hostile input: garbage of any shape never throws and never runs the
// workflow; authentic bodies with any JSON value anywhere never make webhook() throw; the
// node never overwrites Anon's data. Properties checked with fast-check.
import type { IDataObject } from 'n8n-workflow';
import fc from 'fast-check';
import { Webhook } from 'svix';

import { schemaIssues } from '../../nodes/Anon/trigger/eventCatalog';
import { flatCollisionsForTests } from '../../nodes/Anon/trigger/eventItem';
import { isRecord } from '../../nodes/Anon/shared/json';
import {
	deliver,
	EVENT_TYPES,
	exampleBody,
	expectNoSecret,
	messageId,
	SECRET,
	signedHeaders,
	type Outcome,
} from '../helpers/webhook';

describe('garbage never throws and never runs the workflow', () => {
	const headerName = fc.constantFrom('svix-id', 'svix-timestamp', 'svix-signature', 'webhook-id', 'webhook-timestamp', 'webhook-signature', 'content-type', 'x-other');
	const headerValue = fc.oneof(
		fc.string(),
		fc.string({ unit: 'binary' }),
		fc.integer().map(String),
		fc.constantFrom('0', '-1', '1e9', '9999999999999999999', 'NaN', String(Math.floor(Date.now() / 1000))),
		fc.array(fc.constantFrom('v1,', 'v1a,', 'v2,', 'v1,AAAA', 'v1,====', ' ', ','), { maxLength: 40 }).map((p) => p.join(' ')),
		fc.array(fc.string(), { minLength: 2, maxLength: 3 }),
	);
	const request = fc.record({
		headers: fc.dictionary(headerName, headerValue),
		body: fc.oneof(
			fc.string({ unit: 'grapheme' }),
			fc.uint8Array({ maxLength: 4096 }).map((a) => Buffer.from(a)),
			fc.constantFrom(exampleBody('workflow_run.failed'), '{"success": true}', '{"type":"link.opened"', '[[[[[[[[[[]]]]]]]]]]'),
		),
	});

	it('for 2,000 random requests: 401, no execution, no secret in the answer', async () => {
		let runs = 0;
		await fc.assert(
			fc.asyncProperty(request, async ({ headers, body }) => {
				runs += 1;
				const outcome = await deliver({ headers, body, workflowId: 'wf-fuzz' });
				expect(outcome.executed).toBe(false);
				expect(outcome.status).toBe(401);
				expectNoSecret(outcome);
			}),
			{ numRuns: 2000 },
		);
		expect(runs).toBe(2000);
	});

	it('a valid signature over garbage runs nothing unless all events are selected, and never throws', async () => {
		await fc.assert(
			fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
				const body = Buffer.from(bytes);
				const id = messageId();
				const date = new Date();
				const headers = {
					'svix-id': id,
					'svix-timestamp': String(Math.floor(date.getTime() / 1000)),
					'svix-signature': new Webhook(SECRET).sign(id, date, body.toString('latin1')),
				};
				// svix signs text as UTF-8, so send the UTF-8 bytes of that same text.
				const sent = Buffer.from(body.toString('latin1'));
				const outcome = await deliver({ headers, body: sent, parameters: { events: ['link.opened'] } });
				expect(outcome.status).toBe(200);
				expect(outcome.executed).toBe(false);
			}),
			{ numRuns: 300 },
		);
	});
});

describe('authentic bodies: no JSON value in any field makes webhook() throw', () => {
	const base = () => JSON.parse(exampleBody('link.opened')) as Record<string, unknown>;
	/** Sends a body signed with the right secret; resolves even if webhook() would throw. */
	const send = (body: string, parameters: IDataObject = {}) =>
		deliver({ headers: signedHeaders(body), body, workflowId: 'wf-json', parameters: { ...parameters, options: { redeliveryWindowMinutes: 0, ...(parameters.options as IDataObject) } } });

	it('an id that is an object with a toString key is emitted with schema_issues, not answered 500', async () => {
		const body = JSON.stringify({ ...base(), id: JSON.parse('{"toString":1}') });
		const outcome = await send(body);
		expect(outcome).toMatchObject({ status: 200, executed: true, body: { status: 'accepted' } });
		expect(outcome.items[0].schema_issues).toEqual([expect.stringMatching(/^id: Expected string, received object/)]);
		expect(outcome.logs).toEqual([expect.stringMatching(/^warn: .*does not match Anon's documented schema/)]);
	});

	it.each(['constructor.created', '__proto__.x', 'toString.y', 'hasOwnProperty', 'valueOf.z'])(
		'an event type named after an Object.prototype member (%s) is emitted',
		async (type) => {
			const outcome = await send(JSON.stringify({ ...base(), type }));
			expect(outcome).toMatchObject({ status: 200, executed: true });
		},
	);

	// Values that have broken String(x), template literals, property lookups or spreads somewhere.
	const nasty = fc.constantFrom<unknown>(
		...[
			'{"toString":1}',
			'{"valueOf":{},"toString":{}}',
			'{"toJSON":1}',
			'{"__proto__":{"toString":1}}',
			'{"constructor":{"prototype":1}}',
			'"constructor"',
			'"__proto__"',
			'"toString.x"',
			'[]',
			'[{"toString":1}]',
			'null',
			'1e308',
			'-0',
			'""',
			`"${'x'.repeat(20_000)}"`,
		].map((text) => JSON.parse(text) as unknown),
	);
	const anyJson = fc.oneof(nasty, fc.jsonValue({ maxDepth: 3 }));
	const FIELDS = ['id', 'type', 'object', 'created', 'data', 'data.object', 'data.object.id', 'data.object.status', 'data.object.isTest', 'data.error_message', 'success'] as const;

	it('for 1,500 signed bodies with arbitrary JSON in any field: 200, never a throw, emitted unless a ping or filtered', async () => {
		let executed = 0;
		await fc.assert(
			fc.asyncProperty(
				fc.constantFrom(...EVENT_TYPES),
				fc.array(fc.tuple(fc.constantFrom(...FIELDS), anyJson), { minLength: 1, maxLength: 4 }),
				fc.oneof(fc.constant(undefined), anyJson),
				fc.record({
					output: fc.constantFrom('flat', 'envelope'),
					includeDelivery: fc.boolean(),
					ignoreTestJobRuns: fc.boolean(),
				}),
				fc.constantFrom<string[]>(['*'], ['link.opened'], ['job_run.*']),
				async (type, changes, wholeBody, options, events) => {
					const event = JSON.parse(exampleBody(type)) as Record<string, unknown>;
					// Cloned: fast-check hands out the same constant objects again, which setPath would change.
					for (const [path, value] of changes) setPath(event, path, structuredClone(value));
					const body = JSON.stringify(wholeBody === undefined ? event : wholeBody);
					let outcome: Outcome | undefined;
					let thrown: unknown;
					try {
						outcome = await send(body, { events, options });
					} catch (error) {
						thrown = error;
					}
					expect(thrown).toBeUndefined();
					expect(outcome?.status).toBe(200);
					if (outcome?.executed) {
						executed += 1;
						expect(outcome.items).toHaveLength(1);
						// An event off Anon's schema says so, under the node's (collision-free) name.
						const sent = JSON.parse(body) as unknown;
						if (isRecord(sent) && typeof sent.type === 'string' && sent.type !== '') {
							// Flat output also notes each field of data it renamed to keep the resource's own.
							const issues = [...schemaIssues(sent.type, sent), ...(options.output === 'flat' ? flatCollisionsForTests(sent) : [])];
							const names = Object.keys(outcome.items[0]).filter((name) => /^_*schema_issues$/.test(name));
							const added = names.sort((a, b) => b.length - a.length)[0];
							if (issues.length > 0) expect(outcome.items[0][added]).toEqual(issues);
						}
					}
				},
			),
			{ numRuns: 1500 },
		);
		// The property is only worth something if many odd bodies reach emission (~60% do).
		expect(executed).toBeGreaterThan(500);
	});
});

/** Sets `a.b.c` in a parsed event, creating objects on the way (and replacing non-objects). */
function setPath(target: Record<string, unknown>, path: string, value: unknown) {
	const keys = path.split('.');
	let at = target;
	for (const key of keys.slice(0, -1)) {
		const next = at[key];
		if (typeof next !== 'object' || next === null || Array.isArray(next)) at[key] = {};
		at = at[key] as Record<string, unknown>;
	}
	Object.defineProperty(at, keys[keys.length - 1], { value, enumerable: true, writable: true, configurable: true });
}

describe('the node never overwrites Anon\'s data; only Svix\'s ping is a ping', () => {
	const send = (event: unknown, parameters: IDataObject = {}) => {
		const body = JSON.stringify(event);
		return deliver({ headers: signedHeaders(body), body, parameters });
	};
	const failedRun = () => JSON.parse(exampleBody('workflow_run.failed')) as { data: { object: Record<string, unknown> } } & Record<string, unknown>;

	it('flat: resource fields named event, schema_issues and delivery stay; the node\'s go under _event, _schema_issues, _delivery', async () => {
		const event = failedRun();
		Object.assign(event.data.object, { event: 'anon-event', schema_issues: 'anon-issues', delivery: 'anon-delivery', status: 'HALTED' });
		const outcome = await send(event, { options: { includeDelivery: true } });
		expect(outcome.executed).toBe(true);
		const [item] = outcome.items;
		expect(item).toMatchObject({ event: 'anon-event', schema_issues: 'anon-issues', delivery: 'anon-delivery' });
		expect(item._event).toMatchObject({ type: 'workflow_run.failed' });
		expect(item._schema_issues).toEqual([expect.stringMatching(/^data\.object\.status: Invalid enum value/)]);
		expect(item._delivery).toMatchObject({ signature_version: 'v1' });
	});

	it('event as sent: top-level fields named schema_issues and delivery stay; the node\'s go under _schema_issues, _delivery', async () => {
		const event = { ...failedRun(), object: 'not-event', schema_issues: ['anon'], delivery: { by: 'anon' } };
		const outcome = await send(event, { options: { includeDelivery: true, output: 'envelope' } });
		const [item] = outcome.items;
		expect(item).toMatchObject({ schema_issues: ['anon'], delivery: { by: 'anon' } });
		expect(item._schema_issues).toEqual([expect.stringMatching(/^object: Invalid literal value/)]);
		expect(item._delivery).toMatchObject({ signature_version: 'v1' });
	});

	it('a payload that is not an event keeps its own schema_issues field', async () => {
		const outcome = await send({ hello: 'world', schema_issues: 'mine' });
		expect(outcome.items).toEqual([{ hello: 'world', schema_issues: 'mine', _schema_issues: ['The body has no event "type".'] }]);
	});

	it.each([
		['success with another field', { success: true, message: 'hello' }],
		['success with data', { success: true, data: { object: { id: 'x' } } }],
	])('a verified body with %s and no type is not a ping: emitted under All Events, flagged', async (_name, body) => {
		const all = await send(body);
		expect(all).toMatchObject({ status: 200, executed: true });
		expect(all.items[0]).toMatchObject({ ...body, schema_issues: ['The body has no event "type".'] });
		const some = await send(body, { events: ['link.opened'] });
		expect(some).toMatchObject({ status: 200, executed: false, body: { status: 'ignored', reason: 'not_an_event' } });
	});

	it('Svix\'s ping itself is still acknowledged without a run: {"success": true} and type svix.ping', async () => {
		expect(await send({ success: true })).toMatchObject({ executed: false, body: { reason: 'ping' } });
		expect(await send({ type: 'svix.ping', data: {} })).toMatchObject({ executed: false, body: { reason: 'ping' } });
	});
});

describe('a compressed request (Content-Encoding): one clear answer, whatever is inside', () => {
	const body = exampleBody('workflow_run.failed');

	it.each([['gzip'], ['deflate'], ['br'], ['gzip, gzip']])('Content-Encoding %s, even correctly signed: 415 unsupported_content_encoding, nothing runs', async (encoding) => {
		// n8n has inflated gzip and deflate before the node runs: the bytes are the signed JSON.
		const outcome = await deliver({ headers: { ...signedHeaders(body), 'content-encoding': encoding }, body });
		expect(outcome).toMatchObject({ status: 415, executed: false, body: { status: 'rejected', reason: 'unsupported_content_encoding' } });
		expect((outcome.body as { message: string }).message).toMatch(/uncompressed/);
	});
});
