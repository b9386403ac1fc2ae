/** The Anon Trigger through webhook(): its description, the credential test, verified events, unread bodies, filtering and 401s. */
import { randomBytes } from 'node:crypto';

import type { ICredentialsDecrypted, ICredentialTestFunctions, IDataObject, IHookFunctions } from 'n8n-workflow';

import codex from '../../nodes/Anon/AnonTrigger.node.json';
import { AnonTrigger } from '../../nodes/Anon/AnonTrigger.node';
import { ANON_EVENT_TYPES } from '../../nodes/Anon/trigger/eventCatalog';
import { deliver, documentedItem, EVENT_TYPES, exampleBody, expectNoSecret, SECRET, signedHeaders } from '../helpers/webhook';

// The Anon Trigger as n8n drives it (test/helpers/webhook.ts): its description, its credential
// test, verified events, filtering and rejections. Hostile bodies are in
// AnonTrigger.hostileBodies.test.ts; the secret, options and credential as an operator sets
// them in AnonTrigger.configuration.test.ts.

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
		expect(options.map((o) => o.name)).toEqual(['All Events', ...ANON_EVENT_TYPES.map((event) => event.name)]);
		expect(options.every((o) => !/[._]/.test(o.name))).toBe(true);
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
		const parameters = { events: [], options: { additionalEvents: 'job_run.*, future_thing.happened' } };
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
