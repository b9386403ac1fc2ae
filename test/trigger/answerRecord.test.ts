/**
 * Every answer the trigger gives, recorded: status, body, the headers the node sets, the items it
 * emits and the warnings n8n's log gets, one request per way a delivery can end. The record
 * (__snapshots__/answerRecord.test.ts.snap) was written before the request path was restructured
 * and is compared on every run, so a change to any answer shows here as a diff to review, not as
 * a silent change for Anon's dashboard or a user's workflow. What changes from run to run, the
 * time and how many seconds a clock is off, is written as <time> and <seconds>; nothing else is
 * rewritten.
 */
import { generateKeyPairSync, sign } from 'node:crypto';

import type { ICredentialTestFunctions, IDataObject } from 'n8n-workflow';

import { AnonTrigger } from '../../nodes/Anon/AnonTrigger.node';

import * as clock from '../../nodes/Anon/trigger/clock';
import { RECEIVED_ANSWER_LIMIT_MS } from '../../nodes/Anon/trigger/redelivery';
import { attemptSigner, deliver, exampleBody, SECRET, signedHeaders, type Delivery, type Outcome } from '../helpers/webhook';
import { attempt, senderGone, startWebhookServer, waitUntil } from '../helpers/webhookServer';

const OTHER_SECRET = `whsec_${Buffer.alloc(24, 7).toString('base64')}`;
const now = () => Math.floor(Date.now() / 1000);

/** `value` as the record keeps it: the same on every run. */
const sameEveryRun = (value: unknown): IDataObject =>
	JSON.parse(
		JSON.stringify(value)
			.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, '<time>')
			.replace(/is -?\d+ s (older|ahead)/g, 'is <seconds> s $1')
			.replace(/in \d+ s, and none/g, 'in <seconds> s, and none'),
	) as IDataObject;

const warnings = (logs: string[]) => logs.filter((line) => line.startsWith('warn: '));

/** What the record keeps of an outcome: what Anon and the workflow see, and n8n's warnings. */
const recorded = (outcome: Outcome) =>
	sameEveryRun({ status: outcome.status, body: outcome.body, headers: outcome.headers, items: outcome.items, warnings: warnings(outcome.logs) });

async function answer(delivery: Delivery) {
	return recorded(await deliver(delivery));
}

const body = exampleBody('workflow_run.failed');
const signed = (id: string, options: { secret?: string; date?: Date } = {}) => signedHeaders(body, { id, ...options });

describe('the record of every answer', () => {
	it('before any verification: encoding, unread body, options, credential', async () => {
		expect({
			gzip: await answer({ headers: { ...signed('msg_rec_gzip'), 'content-encoding': 'gzip' }, body }),
			unreadText: await answer({ headers: { 'content-type': 'text/plain' }, body: '', streamed: true }),
			unreadNoType: await answer({ headers: {}, body: '', streamed: true }),
			toleranceText: await answer({ headers: signed('msg_rec_opt'), body, parameters: { options: { toleranceSeconds: 'abc' } } }),
			eventsNotAList: await answer({ headers: signed('msg_rec_events'), body, parameters: { events: 'link.opened' }, workflowId: 'wf-events' }),
			credentialUnreadable: await answer({ headers: signed('msg_rec_cred'), body, credentials: new Error('could not decrypt'), workflowId: 'wf-cred' }),
			secretEmpty: await answer({ headers: signed('msg_rec_empty'), body, credentials: { signingSecret: '' }, workflowId: 'wf-empty' }),
			testingSecretBad: await answer({
				headers: signed('msg_rec_testbad'),
				body,
				mode: 'manual',
				credentials: { signingSecret: SECRET, testSigningSecret: 'whsk_abc' },
				workflowId: 'wf-testbad',
			}),
		}).toMatchSnapshot();
	});

	it('verification: every 401', async () => {
		const { publicKey, privateKey } = generateKeyPairSync('ed25519');
		const whpk = `whpk_${Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url').toString('base64')}`;
		const v1a = (id: string) => `v1a,${sign(null, Buffer.from(`${id}.${now()}.${body}`), privateKey).toString('base64')}`;
		const base = signed('msg_rec_401');
		const without = (name: string) => Object.fromEntries(Object.entries(base).filter(([key]) => key !== name));
		expect({
			missingAll: await answer({ headers: { 'content-type': 'application/json' }, body, workflowId: 'wf-401' }),
			missingSignature: await answer({ headers: without('svix-signature'), body, workflowId: 'wf-401' }),
			repeatedId: await answer({ headers: { ...base, 'svix-id': ['msg_a', 'msg_b'] }, body, workflowId: 'wf-401' }),
			idTooLong: await answer({ headers: { ...base, 'svix-id': `msg_${'x'.repeat(300)}` }, body, workflowId: 'wf-401' }),
			timestampText: await answer({ headers: { ...base, 'svix-timestamp': '12a' }, body, workflowId: 'wf-401' }),
			tooManyEntries: await answer({ headers: { ...base, 'svix-signature': Array(17).fill(base['svix-signature']).join(' ') }, body, workflowId: 'wf-401' }),
			tooOld: await answer({ headers: signed('msg_rec_old', { date: new Date(Date.now() - 1000_000) }), body, workflowId: 'wf-old' }),
			tooNew: await answer({ headers: signed('msg_rec_new', { date: new Date(Date.now() + 1000_000) }), body, workflowId: 'wf-new' }),
			v1aForSecret: await answer({ headers: { ...base, 'svix-signature': v1a('msg_rec_401') }, body, workflowId: 'wf-401' }),
			v2Only: await answer({ headers: { ...base, 'svix-signature': 'v2,abc' }, body, workflowId: 'wf-401' }),
			unsigned: await answer({ headers: { ...base, 'svix-signature': '' }, body, workflowId: 'wf-401' }),
			v1ForPublicKey: await answer({ headers: base, body, credentials: { signingSecret: whpk }, workflowId: 'wf-whpk' }),
			threeV1a: await answer({
				headers: { ...base, 'svix-signature': [1, 2, 3].map(() => v1a('msg_rec_401')).join(' ') },
				body,
				credentials: { signingSecret: whpk },
				workflowId: 'wf-whpk',
			}),
			wrongSecret: await answer({ headers: signed('msg_rec_wrong', { secret: OTHER_SECRET }), body, workflowId: 'wf-wrong' }),
			testingSecretInProduction: await answer({
				headers: signed('msg_rec_testprod', { secret: OTHER_SECRET }),
				body,
				credentials: { signingSecret: SECRET, testSigningSecret: OTHER_SECRET },
				workflowId: 'wf-testprod',
			}),
			publicKeyAccepted: await answer({
				headers: { ...base, 'svix-id': 'msg_rec_whpk', 'svix-signature': v1a('msg_rec_whpk') },
				body,
				credentials: { signingSecret: whpk },
				workflowId: 'wf-whpk-ok',
			}),
		}).toMatchSnapshot();
	});

	it('selection: every 200 ignored', async () => {
		const testRun = JSON.stringify({ ...JSON.parse(exampleBody('job_run.failed')), data: { object: { ...JSON.parse(exampleBody('job_run.failed')).data.object, isTest: true } } });
		expect({
			ping: await answer({ headers: signedHeaders('{"success":true}', { id: 'msg_rec_ping' }), body: '{"success":true}' }),
			pingType: await answer({ headers: signedHeaders('{"type":"svix.ping"}', { id: 'msg_rec_ping2' }), body: '{"type":"svix.ping"}' }),
			notSelected: await answer({ headers: signed('msg_rec_notsel'), body, parameters: { events: ['link.opened'] } }),
			testJobRun: await answer({
				headers: signedHeaders(testRun, { id: 'msg_rec_testrun' }),
				body: testRun,
				parameters: { events: ['*'], options: { ignoreTestJobRuns: true } },
			}),
			notJson: await answer({ headers: signedHeaders('not json', { id: 'msg_rec_notjson' }), body: 'not json', parameters: { events: ['link.opened'] } }),
			notAnEventAllEvents: await answer({ headers: signedHeaders('[1]', { id: 'msg_rec_array' }), body: '[1]', workflowId: 'wf-array' }),
		}).toMatchSnapshot();
	});

	it('accepted, in each output shape, on the Test URL and with a testing secret', async () => {
		const link = exampleBody('link.opened');
		expect({
			flat: await answer({ headers: signed('msg_rec_flat'), body, workflowId: 'wf-flat' }),
			envelope: await answer({ headers: signedHeaders(link, { id: 'msg_rec_env' }), body: link, parameters: { options: { output: 'envelope' } }, workflowId: 'wf-env' }),
			withDelivery: await answer({
				headers: signedHeaders(link, { id: 'msg_rec_delivery' }),
				body: link,
				parameters: { options: { includeDelivery: true, headersToShow: 'user-agent' } },
				workflowId: 'wf-delivery',
			}),
			schemaIssue: await answer({
				headers: signedHeaders('{"type":"link.opened","id":"evt_1","data":{"object":{"id":1}}}', { id: 'msg_rec_schema' }),
				body: '{"type":"link.opened","id":"evt_1","data":{"object":{"id":1}}}',
				workflowId: 'wf-schema',
			}),
			testUrl: await answer({ headers: signed('msg_rec_manual'), body, mode: 'manual', workflowId: 'wf-manual' }),
			testUrlTestingSecret: await answer({
				headers: signed('msg_rec_manual2', { secret: OTHER_SECRET }),
				body,
				mode: 'manual',
				credentials: { signingSecret: SECRET, testSigningSecret: OTHER_SECRET },
				workflowId: 'wf-manual2',
			}),
		}).toMatchSnapshot();
	});

	it('redeliveries: duplicate, replayed, in flight, a copy of a failed run', async () => {
		const sign = attemptSigner(body, { id: 'msg_rec_redelivery' });
		const first = sign();
		const accepted = await answer({ headers: first, body, workflowId: 'wf-redelivery' });
		const copy = await answer({ headers: first, body, workflowId: 'wf-redelivery' });
		const retry = await answer({ headers: sign(), body, workflowId: 'wf-redelivery' });

		const inFlightSign = attemptSigner(body, { id: 'msg_rec_inflight' });
		const held = await deliver({ headers: inFlightSign(), body, workflowId: 'wf-inflight' }, { close: false });
		const inFlight = await answer({ headers: inFlightSign(), body, workflowId: 'wf-inflight' });
		held.close();

		const failedSign = attemptSigner(body, { id: 'msg_rec_failed' });
		const failedHeaders = failedSign();
		const failedRun = await answer({ headers: failedHeaders, body, workflowId: 'wf-failed', n8nStatusOnExecution: 500 });
		const copyOfFailed = await answer({ headers: failedHeaders, body, workflowId: 'wf-failed' });
		const retryOfFailed = await answer({ headers: failedSign(), body, workflowId: 'wf-failed' });

		const offHeaders = signed('msg_rec_off');
		const windowOff = { parameters: { options: { redeliveryWindowMinutes: 0 } }, workflowId: 'wf-off' };
		const off = await answer({ headers: offHeaders, body, ...windowOff });
		const offCopy = await answer({ headers: offHeaders, body, ...windowOff });
		expect({ accepted, copy, retry, inFlight, failedRun, copyOfFailed, retryOfFailed, off, offCopy }).toMatchSnapshot();
	});

	it('over real HTTP: a copy while n8n has not answered, and an n8n that never answers', async () => {
		const logs: string[] = [];
		let release = () => {};
		const held = new Promise<void>((resolve) => (release = resolve));
		// When the sender of msg_rec_gone has hung up, as the node sees it (its own listener on the
		// response's close runs first), so that the next attempt is answered as in production.
		let goneSeen = false;
		const server = await startWebhookServer({
			workflowId: 'wf-http',
			beforeAnswer: async (exchange) => {
				if (exchange.request.headers['svix-id'] === 'msg_rec_gone') void senderGone(exchange).then(() => (goneSeen = true));
				await held;
			},
			logs,
		});
		try {
			const sign = attemptSigner(body, { id: 'msg_rec_http' });
			const first = attempt(server.url, sign(), body);
			await waitUntil(() => server.executions.length === 1);
			const inFlight = await attempt(server.url, sign(), body);
			const start = clock.monotonicNow();
			const offset = RECEIVED_ANSWER_LIMIT_MS + 1_000;
			const spy = jest.spyOn(clock, 'monotonicNow').mockImplementation(() => start + offset);
			const gone = attemptSigner(body, { id: 'msg_rec_gone' });
			spy.mockRestore();
			const abandoned = await attempt(server.url, gone(), body, 200);
			await waitUntil(() => server.executions.length === 2 && goneSeen);
			jest.spyOn(clock, 'monotonicNow').mockImplementation(() => performance.now() + offset);
			const presumed = await attempt(server.url, gone(), body);
			jest.restoreAllMocks();
			release();
			const firstAnswer = await first;
			await server.idle();
			expect(sameEveryRun({ firstAnswer, inFlight, abandoned, presumed, warnings: warnings(logs) })).toMatchSnapshot();
		} finally {
			release();
			await server.close();
		}
	});

	it("the credential test's answer for each kind of secret", async () => {
		const test = async (signingSecret: string, testSigningSecret?: string) =>
			await new AnonTrigger().methods.credentialTest.anonSigningSecretTest.call({} as ICredentialTestFunctions, {
				id: 'c1',
				name: 'Anon',
				type: 'anonWebhookApi',
				data: { signingSecret, testSigningSecret: testSigningSecret ?? '' },
			});
		const { publicKey } = generateKeyPairSync('ed25519');
		const whpk = `whpk_${Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url').toString('base64')}`;
		expect({
			secret: await test(SECRET),
			publicKey: await test(whpk),
			withTesting: await test(SECRET, OTHER_SECRET),
			empty: await test('  '),
			privateKey: await test('whsk_abc'),
			otherPrefix: await test('sk_live_abc'),
			notBase64: await test('whsec_a$b'),
			shortPublicKey: await test('whpk_YWJj'),
			shortSecret: await test('whsec_YWJj'),
			badTesting: await test(SECRET, 'whsec_'),
		}).toMatchSnapshot();
	});
});
