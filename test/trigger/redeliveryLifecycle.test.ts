// The redelivery memory as n8n and Anon really use it, through a real node:http server: n8n
// calls the trigger's delete hook whenever a Test-URL session ends and whenever an active
// workflow is re-published; a busy workflow accepts far more than a few thousand messages
// within its window; a run with *When the Workflow Finishes* may outlast the window; and a
// captured request must not run twice within the Timestamp Tolerance, whatever the window.
import type { IHookFunctions } from 'n8n-workflow';

import { AnonTrigger } from '../../nodes/Anon/AnonTrigger.node';
import { deliver, exampleBody, messageId, signedHeaders } from '../helpers/webhook';
import { attempt, pause, startWebhookServer, waitUntil, type ServerOptions, type WebhookServer } from '../helpers/webhookServer';

const body = exampleBody('workflow_run.failed');

/** The `this` of a webhook hook as n8n builds it for one trigger node of a workflow. */
function hookContext(workflowId: string, webhookUrl: string): IHookFunctions {
	return {
		getWorkflow: () => ({ id: workflowId, name: 'test', active: true }),
		getNode: () => ({ id: 'node1', name: 'Anon Trigger' }),
		getNodeWebhookUrl: () => webhookUrl,
		getWebhookName: () => 'default',
		getMode: () => 'internal',
		getActivationMode: () => 'update',
	} as unknown as IHookFunctions;
}

/** n8n ends a Test-URL session, or re-publishes the active workflow: both call `delete`. */
async function deleteHook(workflowId: string, webhookUrl: string): Promise<void> {
	await new AnonTrigger().webhookMethods.default.delete.call(hookContext(workflowId, webhookUrl));
}

describe('the redelivery memory outlives the hooks n8n calls on a live workflow (real HTTP)', () => {
	let server: WebhookServer | undefined;
	afterEach(async () => {
		await server?.close();
		server = undefined;
	});

	async function start(options: ServerOptions = {}) {
		const workflowId = `wf-hooks-${messageId()}`;
		server = await startWebhookServer({ ...options, workflowId });
		return { server, workflowId };
	}

	it.each([
		['a Test-URL session ends', '/webhook-test/'],
		['the workflow is re-published', '/webhook/'],
	])('When Received: %s, then Anon retries an accepted message → 200 duplicate, one execution', async (_, path) => {
		const { server, workflowId } = await start();
		const id = messageId();
		expect(await attempt(server.url, signedHeaders(body, { id }), body)).toMatchObject({ status: 200, body: { status: 'accepted' } });
		await deleteHook(workflowId, `http://127.0.0.1${path}abc/anon`);
		expect(await attempt(server.url, signedHeaders(body, { id }), body)).toMatchObject({ status: 200, body: { status: 'duplicate' } });
		expect(server.executions).toHaveLength(1);
	});

	it('When the Workflow Finishes: the hook runs during a run; a retry then is told to come back, never a second run', async () => {
		let finish = () => {};
		const finished = new Promise<void>((resolve) => (finish = resolve));
		const { server, workflowId } = await start({ parameters: { options: { acknowledge: 'lastNode' } }, beforeAnswer: () => finished });
		const id = messageId();
		const first = attempt(server.url, signedHeaders(body, { id }), body);
		await waitUntil(() => server.executions.length === 1);
		await deleteHook(workflowId, 'http://127.0.0.1/webhook-test/abc/anon');
		expect(await attempt(server.url, signedHeaders(body, { id }), body)).toMatchObject({ status: 409, body: { status: 'retry_later' } });
		finish();
		expect(await first).toMatchObject({ status: 200 });
		expect(server.executions).toHaveLength(1);
	});
});

describe('a busy workflow: memory is bounded by the window, never by a count (real HTTP)', () => {
	it('after 60,000 other accepted messages, the first one\'s retry is still a duplicate', async () => {
		const workflowId = `wf-busy-${messageId()}`;
		const server = await startWebhookServer({ workflowId });
		try {
			const id = messageId();
			expect(await attempt(server.url, signedHeaders(body, { id }), body)).toMatchObject({ status: 200, body: { status: 'accepted' } });
			// The others go through the node in-process (same workflow and node, same memory): 60,000 HTTP round trips would only slow the test.
			for (let i = 0; i < 60_000; i++) {
				const other = await deliver({ headers: signedHeaders(body), body, workflowId });
				if (!other.executed) throw new Error(`message ${i} did not run: ${JSON.stringify(other.body)}`);
			}
			expect(await attempt(server.url, signedHeaders(body, { id }), body)).toMatchObject({ status: 200, body: { status: 'duplicate' } });
			expect(server.executions).toHaveLength(1);
		} finally {
			await server.close();
		}
	});
});

describe('an id stays in flight until n8n answers, whatever the window (real HTTP)', () => {
	it('When the Workflow Finishes, a run longer than the window: the retry gets 409, not a second concurrent run', async () => {
		let finish = () => {};
		const finished = new Promise<void>((resolve) => (finish = resolve));
		const server = await startWebhookServer({
			workflowId: `wf-long-${messageId()}`,
			// 0.6 s, so that the run below outlasts it.
			parameters: { options: { acknowledge: 'lastNode', redeliveryWindowMinutes: 0.01 } },
			beforeAnswer: () => finished,
		});
		try {
			const id = messageId();
			expect(await attempt(server.url, signedHeaders(body, { id }), body, 200)).toEqual({ status: 'gave_up' });
			await pause(1_000);
			expect(await attempt(server.url, signedHeaders(body, { id }), body)).toMatchObject({ status: 409, body: { reason: 'delivery_in_progress' } });
			finish();
			await server.idle();
			expect(await attempt(server.url, signedHeaders(body, { id }), body)).toMatchObject({ status: 200, body: { status: 'duplicate' } });
			expect(server.executions).toHaveLength(1);
		} finally {
			await server.close();
		}
	});
});

describe('replay protection does not depend on the Redelivery Window (real HTTP)', () => {
	it.each([0, 0.01])('window %p min: one captured request sent 5 times within the tolerance runs once', async (window) => {
		const server = await startWebhookServer({ workflowId: `wf-replay-${messageId()}`, parameters: { options: { redeliveryWindowMinutes: window } } });
		try {
			const captured = signedHeaders(body);
			const answers = [];
			for (let i = 0; i < 5; i++) {
				answers.push(await attempt(server.url, captured, body));
				// Past a 0.6 s window, well within the 300 s tolerance.
				if (window > 0) await pause(700);
			}
			expect(answers[0]).toMatchObject({ status: 200, body: { status: 'accepted' } });
			for (const answer of answers.slice(1)) expect(answer).toMatchObject({ status: 200, body: { status: 'duplicate', reason: 'replayed_request' } });
			expect(server.executions).toHaveLength(1);
		} finally {
			await server.close();
		}
	});

	it('window 0: a deliberate replay from Anon\'s Event Log (same id, fresh timestamp) runs again', async () => {
		const server = await startWebhookServer({ workflowId: `wf-replay-${messageId()}`, parameters: { options: { redeliveryWindowMinutes: 0 } } });
		try {
			const id = messageId();
			const now = Date.now();
			expect(await attempt(server.url, signedHeaders(body, { id, date: new Date(now - 2_000) }), body)).toMatchObject({ status: 200, body: { status: 'accepted' } });
			expect(await attempt(server.url, signedHeaders(body, { id, date: new Date(now) }), body)).toMatchObject({ status: 200, body: { status: 'accepted' } });
			expect(server.executions).toHaveLength(2);
		} finally {
			await server.close();
		}
	});
});
