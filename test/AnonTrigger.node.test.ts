import { randomBytes } from 'node:crypto';

import type { ICredentialsDecrypted, ICredentialTestFunctions, IDataObject, IHookFunctions } from 'n8n-workflow';
import fc from 'fast-check';
import { Webhook } from 'svix';

import codex from '../nodes/Anon/AnonTrigger.node.json';
import { AnonTrigger } from '../nodes/Anon/AnonTrigger.node';
import { isRecord, schemaIssues } from '../nodes/Anon/trigger/events';
import {
	deliver,
	documentedItem,
	EVENT_TYPES,
	exampleBody,
	messageId,
	SECRET,
	signedHeaders,
	type Outcome,
} from './helpers/webhook';

const SECRET_MATERIAL = SECRET.slice('whsec_'.length);

/** Nothing a caller or an operator sees may contain the secret. */
function expectNoSecret(outcome: Outcome) {
	const seen = JSON.stringify([outcome.body, outcome.items, outcome.logs]);
	expect(seen).not.toContain(SECRET_MATERIAL);
}

describe('node description', () => {
	const { description } = new AnonTrigger();

	it('keeps the names saved workflows rely on', () => {
		expect(description.name).toBe('anonTrigger');
		expect(description.displayName).toBe('Anon Trigger');
		expect(description.credentials).toEqual([expect.objectContaining({ name: 'anonWebhookApi', required: true })]);
		expect(description.webhooks).toEqual([expect.objectContaining({ name: 'default', httpMethod: 'POST', path: 'anon' })]);
	});

	it("answers as the Acknowledge option says, read natively by n8n 2.x and by expression in older n8n", () => {
		const [webhook] = description.webhooks ?? [];
		const resolvers = (webhook as unknown as Record<symbol, Record<string, { template: string; resolve: (p: object) => string }>>)[
			Symbol.for('n8n.webhookDescriptionResolvers')
		];
		// What n8n 2.x reads: the resolver, only while it still belongs to the field's template.
		expect(resolvers.responseMode.template).toBe(webhook.responseMode);
		expect(resolvers.responseData.template).toBe(webhook.responseData);
		const resolved = (options: object) => ({
			responseMode: resolvers.responseMode.resolve({ options }),
			responseData: resolvers.responseData.resolve({ options }),
		});
		// '' makes n8n answer with the node's webhookResponse; noData keeps workflow data out of the answer.
		expect(resolved({})).toEqual({ responseMode: 'onReceived', responseData: '' });
		expect(resolved({ acknowledge: 'onReceived' })).toEqual({ responseMode: 'onReceived', responseData: '' });
		expect(resolved({ acknowledge: 'lastNode' })).toEqual({ responseMode: 'lastNode', responseData: 'noData' });
		// What older n8n evaluates: the same choice, in the expression language.
		for (const field of [webhook.responseMode, webhook.responseData]) {
			expect(field).toMatch(/^=\{\{\$parameter\["options"\]\["acknowledge"\] === "lastNode" \? "(lastNode|noData)" : "(onReceived|)"\}\}$/);
		}
	});

	it('is typeVersion 1.1: n8n evaluates an expression on every request for typeVersion 1 start nodes', () => {
		expect(description.version).toBe(1.1);
	});

	it('offers every Anon event type and "all events" as *', () => {
		const events = description.properties.find((p) => p.name === 'events');
		expect(events?.type).toBe('multiOptions');
		expect(events?.options?.map((o) => ('value' in o ? o.value : undefined))).toEqual(['*', ...EVENT_TYPES]);
	});

	it('shows event types by human names, keeping Anon\'s type as the value and in the description', () => {
		const events = description.properties.find((p) => p.name === 'events');
		const options = (events?.options ?? []) as Array<{ name: string; value: string; description?: string }>;
		expect(options.map((o) => o.name)).toEqual([
			'All Events',
			'Link Opened',
			'Link Closed',
			'Job Run Completed',
			'Job Run Failed',
			'Workflow Run Completed',
			'Workflow Run Failed',
		]);
		for (const option of options.slice(1)) expect(option.description).toMatch(new RegExp(`\\(${option.value.replace('.', '\\.')}\\)$`));
	});

	it('has a codex file whose nodeVersion is the node\'s version, and a documentation URL', () => {
		expect(Number(codex.nodeVersion)).toBe(description.version);
		expect(codex.node).toBe(`n8n-nodes-anon.${description.name}`);
		expect(description.documentationUrl).toMatch(/^https:\/\//);
	});

	it('activates and deactivates without a request, a credential or any other call', async () => {
		// Anon has no API for endpoints, so activation must not depend on anything: a hook that
		// read the credential or called out would fail or stall every activation. Deactivation
		// reads which workflow and node it is (to drop their redelivery memory), nothing else.
		const used: string[] = [];
		const identity = { getWorkflow: () => ({ id: 'wf1' }), getNode: () => ({ id: 'node1' }) };
		const context = new Proxy({} as IHookFunctions, {
			get(_target, name) {
				if (name in identity) return identity[name as keyof typeof identity];
				used.push(String(name));
				throw new Error(`a lifecycle hook used this.${String(name)}`);
			},
		});
		const trigger = new AnonTrigger();
		for (const { name } of trigger.description.webhooks ?? []) {
			const hooks = trigger.webhookMethods[name as keyof AnonTrigger['webhookMethods']];
			// What n8n does on activation (create only when checkExists says no), then on deactivation.
			if (!(await hooks.checkExists.call(context))) await hooks.create.call(context);
			await hooks.delete.call(context);
		}
		expect(used).toEqual([]);
	});
});

describe('credential test', () => {
	const test = (signingSecret: string) =>
		new AnonTrigger().methods.credentialTest.anonSigningSecretTest.call({} as ICredentialTestFunctions, {
			data: { signingSecret },
		} as unknown as ICredentialsDecrypted);

	it('accepts a whsec_ secret', async () => {
		await expect(test(SECRET)).resolves.toMatchObject({ status: 'OK', message: expect.stringMatching(/Valid signing secret/) });
	});

	it('says what is wrong with a malformed one, without echoing it', async () => {
		const result = await test('whsec_not*base64');
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/not valid base64/);
		expect(result.message).not.toContain('not*base64');
	});
});

describe('verified events', () => {
	it.each(EVENT_TYPES)('%s example runs the workflow with the documented item', async (type) => {
		const body = exampleBody(type);
		const outcome = await deliver({ headers: signedHeaders(body), body });
		expect(outcome.status).toBe(200);
		expect(outcome.executed).toBe(true);
		expect(outcome.body).toEqual({ status: 'accepted', message: expect.stringContaining(JSON.parse(body).id) });
		expect(outcome.items).toEqual([documentedItem(type)]);
		expect(outcome.logs.filter((l) => l.startsWith('warn'))).toEqual([]);
	});

	it('emits the event as sent with Output = Event as Sent', async () => {
		const body = exampleBody('workflow_run.failed');
		const outcome = await deliver({ headers: signedHeaders(body), body, parameters: { options: { output: 'envelope' } } });
		expect(outcome.items).toEqual([JSON.parse(body)]);
	});

	it('accepts the webhook-* header names', async () => {
		const body = exampleBody('link.opened');
		const svix = signedHeaders(body);
		const headers = {
			'content-type': 'application/json',
			'webhook-id': svix['svix-id'],
			'webhook-timestamp': svix['svix-timestamp'],
			'webhook-signature': svix['svix-signature'],
		};
		expect((await deliver({ headers, body })).executed).toBe(true);
	});

	it('adds delivery details with only the custom headers when asked, values shown for the headers named', async () => {
		const body = exampleBody('link.closed');
		const headers: Record<string, string> = { ...signedHeaders(body), host: 'n8n.example.com', 'x-forwarded-for': '1.2.3.4', 'x-tenant': 'acme', 'x-region': 'eu' };
		const outcome = await deliver({ headers, body, parameters: { options: { includeDelivery: true, headersToShow: 'x-tenant' } } });
		expect(outcome.items[0].delivery).toEqual({
			id: headers['svix-id'],
			timestamp: new Date(Number(headers['svix-timestamp']) * 1000).toISOString(),
			received_at: expect.any(String),
			signature_version: 'v1',
			headers: { 'x-tenant': 'acme', 'x-region': '[redacted]' },
		});
	});

	it('never copies a credential-carrying header into the execution: the name stays, the value is redacted', async () => {
		const body = exampleBody('link.closed');
		const credentials: Record<string, string> = {
			authorization: 'Bearer n8n-header-auth-value',
			'proxy-authorization': 'Basic cHJveHk6cGFzcw==',
			cookie: 'session=cookie-value',
			'x-api-key': 'api-key-value',
			'x-auth-user': 'auth-user-value',
			'x-webhook-token': 'token-value',
			'x-client-secret': 'secret-value',
			'x-partner-signature': 'signature-value',
			'idempotency-key': 'idempotency-value',
		};
		const headers = { ...signedHeaders(body), ...credentials, 'x-tenant': 'acme' };
		const outcome = await deliver({ headers, body, parameters: { options: { includeDelivery: true, headersToShow: 'x-tenant' } } });
		const expected = Object.fromEntries(Object.keys(credentials).map((name) => [name, '[redacted]']));
		expect((outcome.items[0].delivery as IDataObject).headers).toEqual({ ...expected, 'x-tenant': 'acme' });
		const seen = JSON.stringify([outcome.items, outcome.body, outcome.logs]);
		for (const value of Object.values(credentials)) expect(seen).not.toContain(value);
	});

	it('emits an event that does not match its schema, says so on the item and logs a warning', async () => {
		const event = JSON.parse(exampleBody('workflow_run.failed'));
		event.data.object.status = 'HALTED';
		const body = JSON.stringify(event);
		const outcome = await deliver({ headers: signedHeaders(body), body });
		expect(outcome.status).toBe(200);
		expect(outcome.executed).toBe(true);
		expect(outcome.items[0]).toMatchObject({ status: 'HALTED', schema_issues: [expect.stringMatching(/^data\.object\.status: Invalid enum value/)] });
		expect(outcome.logs).toEqual([expect.stringMatching(/^warn: .*evt_01HX4J1SQ93Y9F6VBQ4JPZW66S \(workflow_run\.failed\) does not match/)]);
	});

	it('runs the workflow for an event type this node does not list yet, when all events are selected', async () => {
		const body = JSON.stringify({ ...JSON.parse(exampleBody('job_run.failed')), type: 'job_run.started' });
		const outcome = await deliver({ headers: signedHeaders(body), body });
		expect(outcome.executed).toBe(true);
		expect(outcome.items[0].event).toMatchObject({ type: 'job_run.started' });
	});

	it('emits an authentic non-event payload only for "All Events", flagged', async () => {
		const body = '{"hello":"world"}';
		const all = await deliver({ headers: signedHeaders(body), body });
		expect(all.items).toEqual([{ hello: 'world', schema_issues: ['The body has no event "type".'] }]);
		const some = await deliver({ headers: signedHeaders(body), body, parameters: { events: ['link.opened'] } });
		expect(some).toMatchObject({ status: 200, executed: false, body: { status: 'ignored', reason: 'not_an_event' } });
	});
});

describe('bodies n8n did not read: 415 at once, unread, connection closed', () => {
	// webhook() must answer without waiting for a body that never arrives: each case fails
	// on jest's timeout (1 s) if it reads the endless request.
	const DEADLINE_MS = 1000;

	it.each([
		['application/octet-stream', 'Content-Type "application/octet-stream"'],
		['application/x-anything', 'Content-Type "application/x-anything"'],
		['multipart/form-data; boundary=x', 'Content-Type "multipart/form-data; boundary=x"'],
		[undefined, 'no Content-Type'],
	])('content type %s: 415 naming it, without reading the endless body or running anything', async (contentType, named) => {
		const body = exampleBody('job_run.failed');
		const headers: Record<string, string> = { ...signedHeaders(body) };
		if (contentType === undefined) delete headers['content-type'];
		else headers['content-type'] = contentType;
		const outcome = await deliver({ headers, body, streamed: true });
		expect(outcome).toMatchObject({ status: 415, executed: false, body: { status: 'rejected', reason: 'unsupported_content_type' } });
		const { message } = outcome.body as { message: string };
		expect(message).toContain(named);
		expect(message).toContain('application/json');
		expect(outcome.headers.connection).toBe('close');
		expect(outcome.bodyReads).toBe(0);
	}, DEADLINE_MS);

	it('answers before reading the credential: a malformed secret does not change the 415', async () => {
		const body = exampleBody('link.opened');
		const headers = { ...signedHeaders(body), 'content-type': 'application/octet-stream' };
		const outcome = await deliver({ headers, body, streamed: true, credentials: { signingSecret: 'whsec_short' } });
		expect(outcome).toMatchObject({ status: 415, body: { reason: 'unsupported_content_type' } });
	}, DEADLINE_MS);

	it('shortens an absurdly long Content-Type in the message', async () => {
		const body = exampleBody('link.opened');
		const headers = { ...signedHeaders(body), 'content-type': `application/${'x'.repeat(5000)}` };
		const outcome = await deliver({ headers, body, streamed: true });
		expect((outcome.body as { message: string }).message.length).toBeLessThan(400);
	}, DEADLINE_MS);

	it('still runs the workflow for every content type n8n reads itself (rawBody set)', async () => {
		for (const contentType of ['application/json', 'application/json; charset=utf-8', 'text/plain']) {
			const body = exampleBody('workflow_run.failed');
			const outcome = await deliver({ headers: { ...signedHeaders(body), 'content-type': contentType }, body });
			expect(outcome).toMatchObject({ status: 200, executed: true });
			expect(outcome.headers.connection).toBeUndefined();
		}
	});
});

describe('filtering', () => {
	const run = (type: string, parameters: IDataObject) => {
		const body = exampleBody(type);
		return deliver({ headers: signedHeaders(body), body, parameters });
	};

	it('ignores an unselected type with 200 and a short JSON body', async () => {
		const outcome = await run('link.opened', { events: ['workflow_run.failed'] });
		expect(outcome).toMatchObject({
			status: 200,
			executed: false,
			body: { status: 'ignored', reason: 'event_type_not_selected', message: expect.stringContaining('link.opened') },
		});
	});

	it('runs only the selected type', async () => {
		expect((await run('workflow_run.failed', { events: ['workflow_run.failed'] })).executed).toBe(true);
		expect((await run('workflow_run.completed', { events: ['workflow_run.failed'] })).executed).toBe(false);
	});

	it('follows additional types and wildcards typed in the options', async () => {
		const parameters = { events: [], options: { additionalEvents: 'job_run.*, link.expired' } };
		expect((await run('job_run.failed', parameters)).executed).toBe(true);
		expect((await run('job_run.completed', parameters)).executed).toBe(true);
		expect((await run('link.opened', parameters)).executed).toBe(false);
	});

	it('ignores every event when no type is selected', async () => {
		const outcome = await run('link.opened', { events: [] });
		expect(outcome).toMatchObject({ executed: false, body: { reason: 'event_type_not_selected' } });
	});

	it('answers a verified svix.ping with 200 and no execution, whatever is selected', async () => {
		const outcome = await run('svix.ping', { events: ['*'] });
		expect(outcome).toMatchObject({ status: 200, executed: false, body: { status: 'ignored', reason: 'ping' } });
	});

	it('skips test job runs when asked, and only job runs', async () => {
		const options = { ignoreTestJobRuns: true };
		expect(await run('job_run.failed', { options })).toMatchObject({ executed: false, body: { reason: 'test_job_run' } });
		expect((await run('job_run.completed', { options })).executed).toBe(true); // isTest: false
		expect((await run('job_run.failed', {})).executed).toBe(true);
	});
});

describe('rejections: 401, no execution, the precise reason', () => {
	const body = exampleBody('workflow_run.failed');

	it.each([
		['missing headers', () => ({ 'content-type': 'application/json' }), 'missing_headers'],
		['a wrong secret', () => signedHeaders(body, { secret: `whsec_${randomBytes(24).toString('base64')}` }), 'no_matching_signature'],
		['a stale timestamp', () => signedHeaders(body, { date: new Date(Date.now() - 10 * 60_000) }), 'timestamp_too_old'],
		['a future timestamp', () => signedHeaders(body, { date: new Date(Date.now() + 10 * 60_000) }), 'timestamp_too_new'],
		['a garbled timestamp', () => ({ ...signedHeaders(body), 'svix-timestamp': 'now' }), 'invalid_timestamp'],
		['an unsupported signature version', () => ({ ...signedHeaders(body), 'svix-signature': 'v9,abc' }), 'no_supported_signature'],
		['a repeated header', () => ({ ...signedHeaders(body), 'svix-id': ['a', 'b'] }), 'invalid_header'],
	])('%s', async (_name, headers, reason) => {
		const outcome = await deliver({ headers: headers(), body });
		expect(outcome.status).toBe(401);
		expect(outcome.executed).toBe(false);
		expect(outcome.body).toEqual({ status: 'rejected', reason, message: expect.any(String) });
		expectNoSecret(outcome);
	});

	it('rejects a tampered body', async () => {
		const headers = signedHeaders(body);
		const outcome = await deliver({ headers, body: body.replace('FAILED', 'COMPLETED') });
		expect(outcome).toMatchObject({ status: 401, executed: false, body: { reason: 'no_matching_signature' } });
	});

	// 3 s from each edge: the signature is made a moment before the node reads the clock. 600 s
	// accepts what the default (300 s) refuses.
	it.each([
		[30, -27, 200],
		[30, -33, 401],
		[600, -597, 200],
		[600, -603, 401],
		[30, 27, 200],
		[30, 33, 401],
	])('honours a custom timestamp tolerance of %i s: timestamp %i s from now → %i', async (toleranceSeconds, offset, status) => {
		const headers = signedHeaders(body, { date: new Date(Date.now() + offset * 1000) });
		const outcome = await deliver({ headers, body, parameters: { options: { toleranceSeconds } } });
		expect(outcome.status).toBe(status);
		expect(outcome.executed).toBe(status === 200);
		if (status === 401) expect(outcome.body).toMatchObject({ reason: offset < 0 ? 'timestamp_too_old' : 'timestamp_too_new' });
	});
});

describe('signing secret: read once per credential, a change takes effect within 10 s', () => {
	const body = exampleBody('workflow_run.failed');
	const secretA = `whsec_${randomBytes(24).toString('base64')}`;
	const secretB = `whsec_${randomBytes(24).toString('base64')}`;

	afterEach(() => jest.useRealTimers());

	/** Requests to one credential whose stored secret the test can change, counting reads. */
	function credential(id: string, signingSecret: string) {
		const state = { data: { signingSecret } as IDataObject, reads: 0 };
		const send = (signWith: string, extra: Partial<Parameters<typeof deliver>[0]> = {}) =>
			deliver({
				headers: signedHeaders(body, { secret: signWith }),
				body,
				credentialId: id,
				credentials: state.data,
				onCredentialRead: () => (state.reads += 1),
				workflowId: `wf-${id}`,
				...extra,
			});
		return { state, send };
	}

	it('reads the credential once for many requests on the production URL', async () => {
		const { state, send } = credential('cred-once', secretA);
		for (let i = 0; i < 20; i++) expect((await send(secretA)).executed).toBe(true);
		expect(state.reads).toBe(1);
	});

	it('rejects the old secret and accepts the new one 10 s after the change at the latest', async () => {
		jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate'] });
		const { state, send } = credential('cred-change', secretA);
		expect((await send(secretA)).executed).toBe(true);
		state.data = { signingSecret: secretB };
		jest.advanceTimersByTime(9_000);
		// Within the bound the secret read 9 s ago is still in use.
		expect((await send(secretA)).executed).toBe(true);
		jest.advanceTimersByTime(1_000);
		const old = await send(secretA);
		expect(old).toMatchObject({ status: 401, executed: false, body: { reason: 'no_matching_signature' } });
		expect((await send(secretB)).executed).toBe(true);
		expect(state.reads).toBe(2);
	});

	it('a wall clock set back does not stretch the 10 s bound (the bound is on a monotonic clock)', async () => {
		jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate'] });
		const { state, send } = credential('cred-clock', secretA);
		expect((await send(secretA)).executed).toBe(true);
		state.data = { signingSecret: secretB };
		jest.advanceTimersByTime(10_000);
		jest.setSystemTime(Date.now() - 60 * 60_000);
		expect(await send(secretA)).toMatchObject({ status: 401, executed: false });
		expect((await send(secretB)).executed).toBe(true);
	});

	it('rejects forged requests with 401 from the reused secret, and they cause no extra reads', async () => {
		const { state, send } = credential('cred-forged', secretA);
		for (let i = 0; i < 10; i++) {
			const forged = await send(secretB);
			expect(forged).toMatchObject({ status: 401, executed: false });
			expectNoSecret(forged);
		}
		expect(state.reads).toBe(1);
	});

	it('reads the credential on every request on the test URL, so a change shows at once there', async () => {
		const { state, send } = credential('cred-manual', secretA);
		expect((await send(secretA, { mode: 'manual' })).executed).toBe(true);
		state.data = { signingSecret: secretB };
		expect((await send(secretA, { mode: 'manual' })).status).toBe(401);
		expect((await send(secretB, { mode: 'manual' })).executed).toBe(true);
		expect(state.reads).toBe(3);
	});

	it('does not keep an unusable secret: fixing the credential takes effect on the next request', async () => {
		const { state, send } = credential('cred-fix', secretA);
		state.data = { signingSecret: 'whsec_short' };
		expect((await send(secretA)).status).toBe(500);
		state.data = { signingSecret: secretA };
		expect((await send(secretA)).executed).toBe(true);
	});

	it('keeps secrets of different credentials apart', async () => {
		const a = credential('cred-a', secretA);
		const b = credential('cred-b', secretB);
		expect((await a.send(secretA)).executed).toBe(true);
		expect((await b.send(secretB)).executed).toBe(true);
		expect((await b.send(secretA)).status).toBe(401);
		expect((await a.send(secretB)).status).toBe(401);
	});
});

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
							const issues = schemaIssues(sent.type, sent);
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

describe('options set by an expression to a value out of type or range fail closed', () => {
	const body = exampleBody('workflow_run.failed');
	const twoDaysAgo = () => new Date(Date.now() - 2 * 86_400_000);

	it.each([['abc'], ['300'], [NaN], [Infinity], [-1], [{}], [null]])(
		'Timestamp Tolerance %p: a 2-day-old signature is refused with 500 invalid_option, nothing runs',
		async (toleranceSeconds) => {
			const outcome = await deliver({
				headers: signedHeaders(body, { date: twoDaysAgo() }),
				body,
				workflowId: 'wf-options',
				parameters: { options: { toleranceSeconds } },
			});
			expect(outcome).toMatchObject({ status: 500, executed: false, body: { status: 'rejected', reason: 'invalid_option' } });
			expect((outcome.body as { message: string }).message).toMatch(/Timestamp Tolerance \(Seconds\).*at least 1/);
		},
	);

	it.each([['abc'], ['60'], [NaN], [-Infinity], [-5], [[]]])(
		'Redelivery Window %p: even a fresh, valid event is refused with 500 invalid_option',
		async (redeliveryWindowMinutes) => {
			const outcome = await deliver({ headers: signedHeaders(body), body, workflowId: 'wf-options', parameters: { options: { redeliveryWindowMinutes } } });
			expect(outcome).toMatchObject({ status: 500, executed: false, body: { reason: 'invalid_option' } });
			expect((outcome.body as { message: string }).message).toMatch(/Redelivery Window \(Minutes\)/);
		},
	);

	it('tells n8n\'s log too, at most once a minute per workflow', async () => {
		const send = () =>
			deliver({ headers: signedHeaders(body), body, workflowId: 'wf-options-log', parameters: { options: { toleranceSeconds: 'abc' } } });
		const logs = [...(await send()).logs, ...(await send()).logs, ...(await send()).logs];
		expect(logs).toEqual([expect.stringMatching(/^warn: Anon Trigger .*500 invalid_option: .*Timestamp Tolerance \(Seconds\)/)]);
	});

	it('checks the options before reading the credential', async () => {
		let reads = 0;
		const outcome = await deliver({
			headers: signedHeaders(body),
			body,
			onCredentialRead: () => (reads += 1),
			parameters: { options: { toleranceSeconds: 'abc' } },
		});
		expect(outcome.status).toBe(500);
		expect(reads).toBe(0);
	});

	it('a non-list Events value is refused, not spread into characters ("job_run.*" would select everything)', async () => {
		const outcome = await deliver({ headers: signedHeaders(body), body, parameters: { events: 'job_run.*' } });
		expect(outcome).toMatchObject({ status: 500, executed: false, body: { reason: 'invalid_option' } });
	});
});

describe('a broken credential is told to n8n\'s log, not to whoever calls the URL', () => {
	const body = exampleBody('workflow_run.failed');
	const DETAIL = 'Credentials could not be decrypted. The likely reason is that a different "encryptionKey" was used to encrypt the data.';
	const GENERIC = {
		status: 'rejected',
		reason: 'endpoint_misconfigured',
		message: expect.stringMatching(/^This n8n endpoint cannot verify requests: its Anon Trigger credential needs attention\. .*n8n's log/),
	};

	afterEach(() => jest.useRealTimers());

	it.each([
		['a credential n8n cannot decrypt', new Error(DETAIL), /could not be decrypted/],
		['no credential at all', new Error('Node does not have any credentials set'), /does not have any credentials/],
		['a malformed secret', { signingSecret: 'whsec_short' }, /decodes to 3 bytes|not valid base64/],
		['an empty secret', { signingSecret: '' }, /empty/],
	])('%s: an unsigned request gets a generic 500; the detail goes to the log only', async (_name, credentials, detail) => {
		const outcome = await deliver({ headers: { 'content-type': 'application/json' }, body, credentials, workflowId: `wf-broken-${_name}` });
		expect(outcome).toMatchObject({ status: 500, executed: false, body: GENERIC });
		const answer = JSON.stringify(outcome.body);
		expect(answer).not.toMatch(detail);
		expect(answer).not.toMatch(/decrypt|encryptionKey|base64|bytes|whsec_/);
		expect(outcome.logs).toEqual([expect.stringMatching(/^warn: Anon Trigger .*cannot verify requests/)]);
		expect(outcome.logs[0]).toMatch(detail);
	});

	it('3 forged requests → 1 warning; another after 60 s; counted per workflow and credential', async () => {
		jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate'] });
		const forged = (workflowId: string, credentialId = 'cred-broken') =>
			deliver({ headers: { 'content-type': 'application/json' }, body, credentials: new Error(DETAIL), credentialId, workflowId });
		const warnings = async (runs: Array<Promise<Outcome>>) =>
			(await Promise.all(runs)).flatMap((outcome) => outcome.logs).filter((line) => line.startsWith('warn'));
		expect(await warnings([forged('wf-rate'), forged('wf-rate'), forged('wf-rate')])).toHaveLength(1);
		jest.advanceTimersByTime(59_000);
		expect(await warnings([forged('wf-rate')])).toHaveLength(0);
		expect(await warnings([forged('wf-rate-other'), forged('wf-rate', 'cred-other')])).toHaveLength(2);
		jest.advanceTimersByTime(1_000);
		expect(await warnings([forged('wf-rate'), forged('wf-rate')])).toHaveLength(1);
	});

	it('the rate limit follows a monotonic clock: moving the wall clock does not let a second line through', async () => {
		// Date is faked, performance.now() and process.hrtime are not: a limit kept with
		// Date.now() would log again after the jump, or stay silent for a day after a jump back.
		jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate', 'performance', 'hrtime'] });
		const forged = () =>
			deliver({ headers: { 'content-type': 'application/json' }, body, credentials: new Error(DETAIL), credentialId: 'cred-clock', workflowId: 'wf-clock' });
		expect((await forged()).logs).toHaveLength(1);
		jest.setSystemTime(Date.now() + 61_000);
		expect((await forged()).logs).toHaveLength(0);
	});
});

describe('Include Delivery Details is safe by default', () => {
	const body = exampleBody('link.closed');
	const IDENTITY_AND_CUSTOM = {
		'cf-access-jwt-assertion': 'eyJhbGciOiJSUzI1NiJ9.eyJlbWFpbCI6ImFAYi5jIn0.c2ln-cf',
		'x-goog-iap-jwt-assertion': 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhY2NvdW50cy5nb29nbGUuY29tOjEyMyJ9.c2ln-goog',
		'x-amzn-oidc-data': 'eyJ0eXAiOiJKV1QiLCJraWQiOiIxIn0.eyJzdWIiOiIxIn0.c2ln-amzn',
		'x-passphrase': 'correct horse battery staple',
		'x-otp': '492817',
		'x-jwt': 'opaque-jwt-marker',
		'x-hmac': 'f1a2b3c4d5',
		'x-vault-tkn': 's.abcdefgh',
		'x-webhook-pass': 'hunter2',
		'x-tenant': 'acme',
	};
	const send = (headersToShow?: string) =>
		deliver({
			headers: { ...signedHeaders(body), ...IDENTITY_AND_CUSTOM },
			body,
			parameters: { options: { includeDelivery: true, ...(headersToShow === undefined ? {} : { headersToShow }) } },
		});
	const shownHeaders = (outcome: Outcome) => (outcome.items[0].delivery as IDataObject).headers as IDataObject;

	it('every custom header value is [redacted] by default; every name is kept', async () => {
		const outcome = await send();
		expect(shownHeaders(outcome)).toEqual(Object.fromEntries(Object.keys(IDENTITY_AND_CUSTOM).map((name) => [name, '[redacted]'])));
		const seen = JSON.stringify([outcome.items, outcome.body, outcome.logs]);
		for (const value of Object.values(IDENTITY_AND_CUSTOM)) expect(seen).not.toContain(value);
	});

	it('a header named in Headers to Show is shown; a credential-looking value stays redacted even then', async () => {
		const outcome = await deliver({
			headers: { ...signedHeaders(body), 'x-tenant': 'acme', 'x-partner-auth': 'Bearer partner-token-value', authorization: 'plain' },
			body,
			parameters: { options: { includeDelivery: true, headersToShow: 'X-Tenant, x-partner-auth, authorization' } },
		});
		expect(shownHeaders(outcome)).toEqual({ 'x-tenant': 'acme', 'x-partner-auth': '[redacted]', authorization: '[redacted]' });
		expect(JSON.stringify(outcome.items)).not.toContain('partner-token-value');
	});
});
