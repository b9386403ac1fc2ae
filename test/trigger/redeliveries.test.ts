// Redeliveries: Svix retries a message (same svix-id) until it gets a 2xx within 15 s, and the
// workflow must run once. The hang-up cases are driven through a real node:http server, as
// n8n's webhook server drives the node, since they live in the socket's state.
import * as clock from '../../nodes/Anon/trigger/clock';
import { RECEIVED_ANSWER_LIMIT_MS } from '../../nodes/Anon/trigger/redelivery';
import { attemptSigner, deliver, exampleBody, messageId, signedHeaders } from '../helpers/webhook';
import { attempt, senderGone, startWebhookServer, waitUntil, type ServerOptions, type WebhookServer } from '../helpers/webhookServer';

describe('redeliveries (same svix-id)', () => {
	const body = exampleBody('job_run.completed');

	it('runs the workflow once and acknowledges the retry with 200', async () => {
		const headers = signedHeaders(body);
		const first = await deliver({ headers, body, workflowId: 'wf-redelivery' });
		const retry = await deliver({ headers: signedHeaders(body, { id: headers['svix-id'] }), body, workflowId: 'wf-redelivery' });
		expect(first.executed).toBe(true);
		expect(retry).toMatchObject({ status: 200, executed: false, body: { status: 'duplicate', reason: 'already_accepted' } });
	});

	it('keeps separate memories per workflow and per node', async () => {
		const headers = signedHeaders(body);
		expect((await deliver({ headers, body, workflowId: 'wf-a' })).executed).toBe(true);
		expect((await deliver({ headers, body, workflowId: 'wf-b' })).executed).toBe(true);
		expect((await deliver({ headers, body, workflowId: 'wf-a', nodeId: 'other' })).executed).toBe(true);
		expect((await deliver({ headers, body, workflowId: 'wf-a' })).executed).toBe(false);
	});

	it('runs a retry whose first delivery n8n failed to start', async () => {
		const nextAttempt = attemptSigner(body);
		const failed = await deliver({ headers: nextAttempt(), body, workflowId: 'wf-fail', n8nStatusOnExecution: 500 });
		expect(failed.status).toBe(500);
		expect((await deliver({ headers: nextAttempt(), body, workflowId: 'wf-fail' })).executed).toBe(true);
	});

	it('runs again after the window: a deliberate replay from the event log much later executes', async () => {
		jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate'] });
		try {
			const id = messageId();
			const options = { redeliveryWindowMinutes: 5 };
			const send = () => deliver({ headers: signedHeaders(body, { id }), body, workflowId: 'wf-window', parameters: { options } });
			expect((await send()).executed).toBe(true);
			jest.advanceTimersByTime(4 * 60_000);
			expect((await send()).executed).toBe(false);
			jest.advanceTimersByTime(2 * 60_000);
			expect((await send()).executed).toBe(true);
		} finally {
			jest.useRealTimers();
		}
	});

	it('does not deduplicate a message signed afresh with a window of 0, nor anything on the test URL', async () => {
		const headers = signedHeaders(body);
		const off = { options: { redeliveryWindowMinutes: 0 } };
		const id = headers['svix-id'];
		expect((await deliver({ headers, body, workflowId: 'wf-off', parameters: off })).executed).toBe(true);
		const resigned = signedHeaders(body, { id, date: new Date(Date.now() + 1_000) });
		expect((await deliver({ headers: resigned, body, workflowId: 'wf-off', parameters: off })).executed).toBe(true);
		expect((await deliver({ headers, body, workflowId: 'wf-test', mode: 'manual' })).executed).toBe(true);
		expect((await deliver({ headers, body, workflowId: 'wf-test', mode: 'manual' })).executed).toBe(true);
	});
});


describe('a sender that hangs up (real HTTP)', () => {
	const body = exampleBody('job_run.completed');
	let server: WebhookServer | undefined;
	afterEach(async () => {
		await server?.close();
		server = undefined;
	});

	/** A server whose first `held` requests are held at `where` until the sender has hung up. */
	async function holdFirst(where: 'beforeNode' | 'beforeAnswer', options: ServerOptions = {}, held = 1) {
		let requests = 0;
		server = await startWebhookServer({
			...options,
			workflowId: `wf-hangup-${messageId()}`,
			[where]: async (exchange: Parameters<typeof senderGone>[0]) => {
				requests += 1;
				if (requests <= held) await senderGone(exchange);
			},
		});
		const nextAttempt = attemptSigner(body);
		const send = async (timeoutMs = 15_000) => await attempt(server!.url, nextAttempt(), body, timeoutMs);
		return { server, send, requests: () => requests };
	}

	it('gone before the node ran (n8n busy): run anyway, since Anon retries only twice and every retry may be late too; the retry is a duplicate', async () => {
		const { server, send } = await holdFirst('beforeNode');
		expect(await send(200)).toEqual({ status: 'gave_up' });
		await server.idle();
		expect(server.executions).toHaveLength(1);
		expect(await send()).toMatchObject({ status: 200, body: { status: 'duplicate', reason: 'already_accepted' } });
		expect(server.executions).toHaveLength(1);
	});

	it('every one of Anon\'s three attempts gone before the node ran: the event still runs, once', async () => {
		const { server, send, requests } = await holdFirst('beforeNode', {}, 3);
		for (let n = 0; n < 3; n++) expect(await send(200)).toEqual({ status: 'gave_up' });
		await server.idle();
		expect(requests()).toBe(3);
		expect(server.executions).toHaveLength(1);
	});

	it('gone after the node handed the event to n8n, before n8n answered 2xx: the retry is a duplicate', async () => {
		const { server, send } = await holdFirst('beforeAnswer');
		expect(await send(200)).toEqual({ status: 'gave_up' });
		await server.idle();
		expect(server.executions).toHaveLength(1);
		expect(await send()).toMatchObject({ status: 200, body: { status: 'duplicate', reason: 'already_accepted' } });
		expect(server.executions).toHaveLength(1);
	});

	it('gone, and n8n then answered that delivery with a non-2xx: the retry runs it', async () => {
		const statuses = [500, 200];
		const { server, send } = await holdFirst('beforeAnswer', { answerStatus: () => statuses.shift() ?? 200 });
		expect(await send(200)).toEqual({ status: 'gave_up' });
		await server.idle();
		expect(await send()).toMatchObject({ status: 200, body: { status: 'accepted' } });
		expect(await send()).toMatchObject({ status: 200, body: { status: 'duplicate' } });
		expect(server.executions).toHaveLength(2);
	});
});

describe('When Received: nothing acknowledged that did not run (real HTTP)', () => {
	const body = exampleBody('job_run.completed');
	let server: WebhookServer | undefined;
	afterEach(async () => {
		jest.restoreAllMocks();
		await server?.close();
		server = undefined;
	});

	/**
	 * n8n holds its answer to the first delivery until its sender has gone and `finish()` is
	 * called, then answers with `statuses` in turn (500: the execution could not be created).
	 */
	async function answerLate(statuses: number[], logs: string[] = []) {
		let finish = () => {};
		const finished = new Promise<void>((resolve) => (finish = resolve));
		let requests = 0;
		server = await startWebhookServer({
			workflowId: `wf-late-${messageId()}`,
			logs,
			beforeAnswer: async (exchange) => {
				requests += 1;
				if (requests > 1) return;
				await senderGone(exchange);
				await finished;
			},
			answerStatus: () => statuses.shift() ?? 200,
		});
		const nextAttempt = attemptSigner(body);
		const send = (timeoutMs = 15_000) => attempt(server!.url, nextAttempt(), body, timeoutMs);
		return { server, send, finish };
	}

	it('the sender gave up, a retry came before n8n failed to create the execution: 409, and the next retry runs it', async () => {
		const { server, send, finish } = await answerLate([500]);
		expect(await send(200)).toEqual({ status: 'gave_up' });
		// Told "delivered" here, Anon would never send it again: the event would be lost.
		expect(await send()).toMatchObject({ status: 409, body: { status: 'retry_later', reason: 'delivery_in_progress' } });
		finish();
		await server.idle();
		expect(await send()).toMatchObject({ status: 200, body: { status: 'accepted' } });
		expect(await send()).toMatchObject({ status: 200, body: { status: 'duplicate', reason: 'already_accepted' } });
		// Handed over twice; the first execution was never created (n8n answered 500).
		expect(server.executions).toHaveLength(2);
	});

	it(`an n8n that never answers: 409 until ${RECEIVED_ANSWER_LIMIT_MS / 1000} s after the hand-over, then taken as accepted (warned); a late 500 still releases it`, async () => {
		const logs: string[] = [];
		const { server, send, finish } = await answerLate([500], logs);
		const start = clock.monotonicNow();
		let offset = 0;
		jest.spyOn(clock, 'monotonicNow').mockImplementation(() => performance.now() + offset);
		expect(await send(200)).toEqual({ status: 'gave_up' });
		expect(await send()).toMatchObject({ status: 409, body: { reason: 'delivery_in_progress' } });
		offset = RECEIVED_ANSWER_LIMIT_MS + (performance.now() - start);
		expect(await send()).toMatchObject({ status: 200, body: { status: 'duplicate', reason: 'already_accepted' } });
		expect(logs.filter((line) => line.startsWith('warn:'))).toEqual([expect.stringContaining('did not answer the delivery of message')]);
		finish();
		await server.idle();
		expect(await send()).toMatchObject({ status: 200, body: { status: 'accepted' } });
		expect(server.executions).toHaveLength(2);
	});
});

describe('a copy of a signed request never runs twice, whatever the options (real HTTP)', () => {
	const body = exampleBody('job_run.completed');

	it('accepted under the default window, then the window lowered to 0 (or the tolerance raised): the copy is a duplicate', async () => {
		for (const options of [{ redeliveryWindowMinutes: 0 }, { redeliveryWindowMinutes: 2 }, { toleranceSeconds: 3600 }]) {
			const workflowId = `wf-copy-${messageId()}`;
			const headers = signedHeaders(body);
			expect((await deliver({ headers, body, workflowId })).executed).toBe(true);
			const copy = await deliver({ headers, body, workflowId, parameters: { options } });
			expect({ options, executed: copy.executed }).toEqual({ options, executed: false });
			expect(copy.status).toBe(200);
		}
	});

	it('When the Workflow Finishes, the run failed: a copy gets 409 replayed_request and never runs; a retry signed afresh runs', async () => {
		const statuses = [500];
		const server = await startWebhookServer({
			workflowId: `wf-copy-failed-${messageId()}`,
			parameters: { options: { acknowledge: 'lastNode' } },
			answerStatus: () => statuses.shift() ?? 200,
		});
		try {
			const id = messageId();
			const captured = signedHeaders(body, { id, date: new Date(Date.now() - 2000) });
			expect(await attempt(server.url, captured, body)).toMatchObject({ status: 500 });
			for (let n = 0; n < 5; n++) {
				expect(await attempt(server.url, captured, body)).toMatchObject({ status: 409, body: { status: 'rejected', reason: 'replayed_request' } });
			}
			expect(server.executions).toHaveLength(1);
			expect(await attempt(server.url, signedHeaders(body, { id }), body)).toMatchObject({ status: 200 });
			expect(server.executions).toHaveLength(2);
		} finally {
			await server.close();
		}
	});
});

describe('a copy while the first delivery is being answered (real HTTP)', () => {
	const body = exampleBody('job_run.completed');

	/** A server that holds n8n's answer to the first delivery until `finish()` (a slow run, or a busy n8n). */
	async function slowFirstAnswer(options: ServerOptions = {}) {
		let finish = () => {};
		const finished = new Promise<void>((resolve) => (finish = resolve));
		let requests = 0;
		const server = await startWebhookServer({
			...options,
			workflowId: `wf-slow-${messageId()}`,
			beforeAnswer: async () => {
				requests += 1;
				if (requests === 1) await finished;
			},
		});
		const nextAttempt = attemptSigner(body);
		const send = (timeoutMs = 15_000) => attempt(server.url, nextAttempt(), body, timeoutMs);
		return { server, send, finish };
	}

	it('When Received: the copy is told to retry (409), never 2xx; after the answer it is a duplicate', async () => {
		const { server, send, finish } = await slowFirstAnswer();
		try {
			const first = send();
			await waitUntil(() => server.executions.length === 1);
			expect(await send()).toMatchObject({ status: 409, body: { status: 'retry_later', reason: 'delivery_in_progress' } });
			finish();
			expect(await first).toMatchObject({ status: 200, body: { status: 'accepted' } });
			expect(await send()).toMatchObject({ status: 200, body: { status: 'duplicate' } });
			expect(server.executions).toHaveLength(1);
		} finally {
			await server.close();
		}
	});

	it('When the Workflow Finishes: a sender that gives up during a slow run gets 409 until the run succeeded, then a duplicate', async () => {
		const { server, send, finish } = await slowFirstAnswer({ parameters: { options: { acknowledge: 'lastNode' } } });
		try {
			expect(await send(200)).toEqual({ status: 'gave_up' });
			expect(await send()).toMatchObject({ status: 409, body: { reason: 'delivery_in_progress' } });
			finish();
			await server.idle();
			expect(await send()).toMatchObject({ status: 200, body: { status: 'duplicate' } });
			expect(server.executions).toHaveLength(1);
		} finally {
			await server.close();
		}
	});

	it('When the Workflow Finishes: a run that fails after its sender gave up leaves the message to the retry', async () => {
		const statuses = [500, 200];
		const { server, send, finish } = await slowFirstAnswer({
			parameters: { options: { acknowledge: 'lastNode' } },
			answerStatus: () => statuses.shift() ?? 200,
		});
		try {
			expect(await send(200)).toEqual({ status: 'gave_up' });
			finish();
			await server.idle();
			expect(await send()).toMatchObject({ status: 200 });
			expect(await send()).toMatchObject({ status: 200, body: { status: 'duplicate' } });
			expect(server.executions).toHaveLength(2);
		} finally {
			await server.close();
		}
	});
});

describe('time bounds on a monotonic clock', () => {
	it('a wall clock set back does not stretch the Redelivery Window', async () => {
		jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate'] });
		try {
			const body = exampleBody('job_run.completed');
			const id = messageId();
			const options = { redeliveryWindowMinutes: 5 };
			const send = () => deliver({ headers: signedHeaders(body, { id, date: new Date() }), body, workflowId: 'wf-clock', parameters: { options } });
			expect((await send()).executed).toBe(true);
			jest.advanceTimersByTime(6 * 60_000);
			// An NTP correction an hour back, just before the retry: the window has still passed.
			jest.setSystemTime(Date.now() - 60 * 60_000);
			expect((await send()).executed).toBe(true);
		} finally {
			jest.useRealTimers();
		}
	});
});
