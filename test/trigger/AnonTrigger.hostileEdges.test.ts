// Promises of README and SECURITY.md held at their edges: forged requests with a public key cost
// a bounded number of verifications, a misconfigured endpoint is not a credential-read amplifier
// for unsigned callers, and signature headers that arrive twice (as bytes on a socket, before
// Node's HTTP parser joins them) are refused one clear way, whatever their order.
import { generateKeyPairSync, sign } from 'node:crypto';

import { deliver, exampleBody, messageId, SECRET, signedHeaders } from '../helpers/webhook';
import { rawRequest, startWebhookServer, type WebhookServer } from '../helpers/webhookServer';
import { verifyFailureMessage } from '../../nodes/Anon/trigger/answers';
import { parseSigningSecret } from '../../nodes/Anon/trigger/signingSecret';
import { verifyWebhookSignature } from '../../nodes/Anon/trigger/verifySignature';

const body = exampleBody('workflow_run.failed');

describe('forged requests with a whpk_ public key: verification work is bounded', () => {
	const { publicKey, privateKey } = generateKeyPairSync('ed25519');
	const whpk = `whpk_${Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url').toString('base64')}`;
	const parsed = parseSigningSecret(whpk);
	if (!parsed.ok) throw new Error(parsed.message);
	const now = Math.floor(Date.now() / 1000);
	const content = (id: string) => Buffer.from(`${id}.${now}.${body}`);
	const forged = () => `v1a,${sign(null, Buffer.from('other content'), privateKey).toString('base64')}`;
	const verify = (signature: string, id = 'msg_x') =>
		verifyWebhookSignature({ headers: { 'svix-id': id, 'svix-timestamp': String(now), 'svix-signature': signature }, body: Buffer.from(body), key: parsed.key, nowSeconds: now });

	it('more v1a signatures than a key rotation needs (2) → 401 invalid_header, none verified', () => {
		for (const count of [3, 16]) {
			const result = verify(Array.from({ length: count }, forged).join(' '));
			expect(result).toMatchObject({ ok: false, reason: 'invalid_header' });
			expect(result.ok === false && verifyFailureMessage(result)).toMatch(/v1a.*at most 2/);
		}
	});

	it('a rotation (old and new key, in either order) still verifies', () => {
		const genuine = `v1a,${sign(null, content('msg_rot'), privateKey).toString('base64')}`;
		expect(verify(`${forged()} ${genuine}`, 'msg_rot')).toMatchObject({ ok: true, version: 'v1a' });
		expect(verify(`${genuine} ${forged()}`, 'msg_rot')).toMatchObject({ ok: true, version: 'v1a' });
		// v1 entries beside them are not v1a work.
		expect(verify(`v1,abc v1,def ${forged()} ${genuine}`, 'msg_rot')).toMatchObject({ ok: true });
	});
});

describe('a misconfigured endpoint costs an unsigned caller nothing', () => {
	it.each([
		['a malformed secret', { signingSecret: 'whsec_short' }],
		['a credential n8n cannot read', new Error('Credentials could not be decrypted.')],
	])('%s: 1,000 unsigned requests → at most one credential read a second', async (_name, credentials) => {
		let reads = 0;
		const workflowId = `wf-amplifier-${messageId()}`;
		for (let i = 0; i < 1_000; i++) {
			const outcome = await deliver({ headers: { 'content-type': 'application/json' }, body, credentials, credentialId: 'cred-broken', workflowId, onCredentialRead: () => (reads += 1) });
			expect(outcome.status).toBe(500);
		}
		expect(reads).toBe(1);
	});

	it('a fixed credential takes effect within a second', async () => {
		jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate'] });
		try {
			const state = { signingSecret: 'whsec_short' };
			const send = () => deliver({ headers: signedHeaders(body), body, credentials: state, credentialId: 'cred-fixed', workflowId: `wf-fixed-${messageId()}` });
			expect((await send()).status).toBe(500);
			state.signingSecret = SECRET;
			jest.advanceTimersByTime(1_000);
			expect((await send()).executed).toBe(true);
		} finally {
			jest.useRealTimers();
		}
	});
});

describe('a signature header sent twice (real bytes on a socket)', () => {
	let server: WebhookServer;
	beforeAll(async () => {
		server = await startWebhookServer({ workflowId: `wf-twice-${messageId()}` });
	});
	afterAll(async () => await server.close());

	const lines = (headers: Record<string, string>) => Object.entries(headers).map(([name, value]) => `${name}: ${value}`);

	it.each([
		['svix-signature: bogus, then valid', 'svix-signature', 'bogus-first'],
		['svix-signature: valid, then bogus', 'svix-signature', 'bogus-last'],
		['svix-id twice', 'svix-id', 'bogus-last'],
		['svix-timestamp twice', 'svix-timestamp', 'bogus-first'],
	])('%s → 401 invalid_header, nothing runs', async (_name, name, order) => {
		const headers = signedHeaders(body);
		const genuine = `${name}: ${headers[name]}`;
		const bogus = `${name}: ${name === 'svix-signature' ? 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' : name === 'svix-id' ? 'msg_other' : String(Date.now())}`;
		const rest = lines(Object.fromEntries(Object.entries(headers).filter(([key]) => key !== name)));
		const before = server.executions.length;
		const answer = await rawRequest(server.url, [...rest, ...(order === 'bogus-first' ? [bogus, genuine] : [genuine, bogus])], body);
		expect(answer).toMatchObject({ status: 401, body: { reason: 'invalid_header' } });
		expect(server.executions.length).toBe(before);
	});

	it('each header once → 200 accepted (the same bytes otherwise)', async () => {
		const answer = await rawRequest(server.url, lines(signedHeaders(body)), body);
		expect(answer).toMatchObject({ status: 200 });
	});
});

describe('flat output never overwrites Anon\'s data, and says so', () => {
	it('a field of data named like a resource field is emitted with an underscore, noted in schema_issues', async () => {
		const event = JSON.parse(body);
		event.data.id = 'data_level_id';
		const text = JSON.stringify(event);
		const outcome = await deliver({ headers: signedHeaders(text), body: text, workflowId: `wf-flat-${messageId()}` });
		const [item] = outcome.items;
		expect(item.id).toBe(event.data.object.id);
		expect(item._id).toBe('data_level_id');
		expect(item.schema_issues).toEqual([`data.id collides with the workflow_run's own "id"; emitted as "_id"`]);
	});
});

describe('a wrong or rotated secret shows in n8n\'s log', () => {
	afterEach(() => jest.useRealTimers());

	it('signed requests that match no key, and none that does, for a minute (Anon\'s first attempt, its retries) → one warning counting them, naming the fix, never the secret', async () => {
		jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate'] });
		const workflowId = `wf-wrong-secret-${messageId()}`;
		const otherSecret = `whsec_${Buffer.from('another endpoint secret!').toString('base64')}`;
		const send = () => deliver({ headers: signedHeaders(body, { secret: otherSecret }), body, workflowId, credentialId: 'cred-wrong' });
		const warnings = (outcome: { logs: string[] }) => outcome.logs.filter((line) => line.startsWith('warn'));
		const first = await send();
		expect(first.status).toBe(401);
		expect(warnings(first)).toEqual([]);
		jest.advanceTimersByTime(5_000);
		expect(warnings(await send())).toEqual([]);
		jest.advanceTimersByTime(300_000);
		const retry = await send();
		expect(warnings(retry)).toEqual([expect.stringMatching(/rejected 3 signed requests with 401 no_matching_signature in 305 s, and none matched.*signing secret of this very endpoint/)]);
		expect(warnings(retry)[0]).not.toContain(SECRET.slice('whsec_'.length));
		expect(warnings(retry)[0]).not.toContain(otherSecret.slice('whsec_'.length));
		expect(warnings(await send())).toEqual([]);
	});

	it('n8n\'s clock 10 minutes off, one forged request a minute with a random v1 signature: 10 of 10 warnings name the clock, none the secret', async () => {
		jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate'] });
		const workflowId = `wf-clock-off-${messageId()}`;
		const lines: string[] = [];
		for (let minute = 0; minute < 10; minute++) {
			// Noise first: a forged request, then Anon's real delivery, signed 10 minutes "in the past" for n8n's clock.
			const forgedHeaders = { ...signedHeaders(body), 'svix-signature': `v1,${Buffer.alloc(32, minute + 1).toString('base64')}` };
			const forged = await deliver({ headers: forgedHeaders, body, workflowId });
			expect(forged.status).toBe(401);
			const real = await deliver({ headers: signedHeaders(body, { date: new Date(Date.now() - 10 * 60_000) }), body, workflowId });
			expect(real).toMatchObject({ status: 401, body: { reason: 'timestamp_too_old' } });
			lines.push(...[...forged.logs, ...real.logs].filter((line) => line.startsWith('warn')));
			jest.advanceTimersByTime(60_000);
		}
		expect(lines).toHaveLength(10);
		for (const line of lines) expect(line).toMatch(/timestamp_too_old.*clock/);
	});

	it('a healthy endpoint with forged noise once a minute: no warning names the secret (real events verify)', async () => {
		jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate'] });
		const workflowId = `wf-healthy-${messageId()}`;
		const lines: string[] = [];
		for (let minute = 0; minute < 10; minute++) {
			expect((await deliver({ headers: signedHeaders(body), body, workflowId })).executed).toBe(true);
			const forgedHeaders = { ...signedHeaders(body), 'svix-signature': `v1,${Buffer.alloc(32, minute + 1).toString('base64')}` };
			const forged = await deliver({ headers: forgedHeaders, body, workflowId });
			expect(forged).toMatchObject({ status: 401, body: { reason: 'no_matching_signature' } });
			lines.push(...forged.logs.filter((line) => line.startsWith('warn')));
			jest.advanceTimersByTime(60_000);
		}
		expect(lines).toEqual([]);
	});

	it('an unsigned request with a stale timestamp is no evidence of a clock: 401 no_matching_signature, debug only', async () => {
		const forgedHeaders = { ...signedHeaders(body, { date: new Date(Date.now() - 3_600_000) }), 'svix-signature': `v1,${Buffer.alloc(32, 7).toString('base64')}` };
		const forged = await deliver({ headers: forgedHeaders, body, workflowId: `wf-stale-forged-${messageId()}` });
		expect(forged).toMatchObject({ status: 401, body: { reason: 'no_matching_signature' } });
		expect(forged.logs.filter((line) => /clock|timestamp_too/.test(line))).toEqual([]);
	});

	it('a timestamp out of tolerance warns too; unsigned noise and the test URL stay at debug level', async () => {
		const workflowId = `wf-noise-${messageId()}`;
		const stale = await deliver({ headers: signedHeaders(body, { date: new Date(Date.now() - 3_600_000) }), body, workflowId });
		expect(stale.logs.filter((line) => line.startsWith('warn'))).toEqual([expect.stringMatching(/timestamp_too_old/)]);
		const unsigned = await deliver({ headers: { 'content-type': 'application/json' }, body, workflowId: `wf-noise-${messageId()}` });
		expect(unsigned.logs).toEqual([expect.stringMatching(/^debug: .*missing_headers/)]);
		const manual = await deliver({ headers: signedHeaders(body, { secret: `whsec_${Buffer.from('a different endpoint!!!!').toString('base64')}` }), body, mode: 'manual', workflowId: `wf-noise-${messageId()}` });
		expect(manual.logs.filter((line) => line.startsWith('warn'))).toEqual([]);
	});
});
