// The Anon Trigger as an operator configures it: the signing secret (read once per credential,
// a change applies within 10 s), options set by an expression (out of type or range fails
// closed), a broken credential (told to n8n's log, never to the caller) and Include Delivery
// Details (safe by default).
import { randomBytes } from 'node:crypto';

import type { IDataObject } from 'n8n-workflow';

import { deliver, exampleBody, expectNoSecret, signedHeaders, type Outcome } from '../helpers/webhook';

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

	it('reads the credential no more often on the test URL than on production: 1,000 unsigned requests, one read', async () => {
		const { state, send } = credential('cred-manual', secretA);
		for (let i = 0; i < 1000; i++) expect((await send(secretB, { mode: 'manual' })).status).toBe(401);
		expect(state.reads).toBe(1);
		expect((await send(secretA, { mode: 'manual' })).executed).toBe(true);
		expect(state.reads).toBe(1);
	});

	it('keeps an unusable secret for a second only: fixing the credential takes effect a second later', async () => {
		jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate'] });
		const { state, send } = credential('cred-fix', secretA);
		state.data = { signingSecret: 'whsec_short' };
		expect((await send(secretA)).status).toBe(500);
		state.data = { signingSecret: secretA };
		expect((await send(secretA)).status).toBe(500);
		jest.advanceTimersByTime(1_000);
		expect((await send(secretA)).executed).toBe(true);
		expect(state.reads).toBe(2);
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

describe('a testing endpoint (its own secret) on the Test URL, production untouched', () => {
	const body = exampleBody('workflow_run.failed');
	const production = `whsec_${randomBytes(24).toString('base64')}`;
	const testing = `whsec_${randomBytes(24).toString('base64')}`;
	const send = (signWith: string, mode: 'manual' | 'webhook', testSigningSecret = testing) =>
		deliver({
			headers: signedHeaders(body, { secret: signWith }),
			body,
			mode,
			credentialId: `cred-testing-${mode}-${testSigningSecret.length}`,
			credentials: { signingSecret: production, testSigningSecret },
			workflowId: `wf-testing-endpoint-${mode}`,
		});

	it('the Test URL runs events signed with either secret', async () => {
		expect((await send(testing, 'manual')).executed).toBe(true);
		expect((await send(production, 'manual')).executed).toBe(true);
	});

	it("the Production URL never accepts the testing endpoint's secret", async () => {
		expect(await send(testing, 'webhook')).toMatchObject({ status: 401, executed: false, body: { reason: 'no_matching_signature' } });
		expect((await send(production, 'webhook')).executed).toBe(true);
	});

	it('a malformed testing secret refuses only the Test URL (500 endpoint_misconfigured), never production', async () => {
		expect(await send(testing, 'manual', 'whsec_short')).toMatchObject({ status: 500, body: { reason: 'endpoint_misconfigured' } });
		expect((await send(production, 'webhook', 'whsec_short')).executed).toBe(true);
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
				// One workflow each: n8n's log hears of a workflow's invalid option once a minute.
				workflowId: `wf-options-tolerance-${String(toleranceSeconds)}`,
				parameters: { options: { toleranceSeconds } },
			});
			expect(outcome).toMatchObject({ status: 500, executed: false, body: { status: 'rejected', reason: 'invalid_option' } });
			expect(outcome.logs).toEqual([expect.stringMatching(/^warn: .*Timestamp Tolerance \(Seconds\).*at least 1/)]);
		},
	);

	it.each([['abc'], ['60'], [NaN], [-Infinity], [-5], [[]]])(
		'Redelivery Window %p: even a fresh, valid event is refused with 500 invalid_option',
		async (redeliveryWindowMinutes) => {
			const outcome = await deliver({ headers: signedHeaders(body), body, workflowId: `wf-options-window-${String(redeliveryWindowMinutes)}`, parameters: { options: { redeliveryWindowMinutes } } });
			expect(outcome).toMatchObject({ status: 500, executed: false, body: { reason: 'invalid_option' } });
			expect(outcome.logs).toEqual([expect.stringMatching(/^warn: .*Redelivery Window \(Minutes\)/)]);
		},
	);

	it('tells an unsigned caller no more than endpoint_misconfigured does: no option name, no kind of value', async () => {
		const outcome = await deliver({ headers: { 'content-type': 'application/json' }, body, workflowId: 'wf-options-unsigned', parameters: { options: { toleranceSeconds: 'abc' } } });
		const { message } = outcome.body as { message: string };
		expect(outcome).toMatchObject({ status: 500, body: { reason: 'invalid_option' } });
		expect(message).not.toMatch(/Tolerance|toleranceSeconds|text|number|seconds/i);
		expect(message).toMatch(/n8n's log/);
	});

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
