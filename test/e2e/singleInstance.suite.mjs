// End-to-end suite: a real n8n (version from N8N_VERSION, default 2.41.1) with this package
// installed as n8n's community installer would, driven over HTTP with Svix-signed requests.
//
//   node --test test/e2e/singleInstance.suite.mjs      (N8N_VERSION=1.123.81 for n8n 1.x; npm run test:e2e)
//
// It starts its own throwaway n8n (fresh user folder in a temp dir, free ports) and an
// alert receiver, and stops both at the end, also on failure or Ctrl-C. The user folder is
// deleted after a green run and kept (path printed) after a red one, for its n8n.log. The
// tests share one n8n and run in order: the first creates the workflows the others use.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import { describe, test as nodeTest } from 'node:test';

import { EVENT_TYPES, exampleBody, expectedItem, newSigningSecret, sendEvent, svixHeaders } from '../../tools/harness/signedEvents.mjs';
import { nodeOutput, removeUserFolder, startSuiteInstance } from '../../tools/harness/n8n.mjs';
import { log, sleep, stopAllServers, waitFor } from '../../tools/harness/process.mjs';
import { N8N_VERSION } from '../../tools/harness/runtime.mjs';
import { suiteHooks } from '../../tools/harness/suite.mjs';
import {
	TRIGGER_NODE_NAME,
	alertWorkflow,
	createAnonWorkflow,
	exampleWorkflow,
	noOpWorkflow,
	startReceiver,
	webhookUrl as webhookUrlOn,
} from '../../tools/harness/workflows.mjs';

const { startAnonApiStandIn, JOB } = createRequire(import.meta.url)('../helpers/anonApiStandIn.js');

const SECRET = newSigningSecret();
const ctx = { workflows: {} };
// Per test; set-up (installs, build, n8n start-up) has its own, longer limit.
const TEST_TIMEOUT_MS = 120_000;

const webhookUrl = (workflow) => webhookUrlOn(ctx.n8n.baseUrl, workflow);

/** Execution ids of a workflow. */
const executionIds = async (workflow) => new Set((await ctx.client.executions(workflow.id)).map((execution) => String(execution.id)));

/**
 * Waits until the workflow has exactly `count` executions that were not in `before` and
 * all of them have finished; returns them. Executions are written asynchronously after
 * the webhook answers, hence the polling.
 */
async function newExecutions(workflow, before, count = 1) {
	return waitFor(
		async () => {
			const fresh = (await ctx.client.executions(workflow.id)).filter((execution) => !before.has(String(execution.id)));
			assert.ok(fresh.length <= count, `expected ${count} new execution(s), found ${fresh.length}`);
			return fresh.length === count && fresh.every((execution) => execution.stoppedAt) ? fresh : null;
		},
		{ timeoutMs: 20_000, what: `${count} new execution(s) of "${workflow.name}"` },
	);
}

/**
 * Proves that requests sent earlier created no execution: sends one valid event and checks
 * that it is the only new execution. n8n handles a workflow's webhook requests in order of
 * arrival, and an answered request that starts nothing never creates an execution later.
 */
async function assertNoExecutionsBesidesSentinel(workflow, before) {
	const sentinel = await sendEvent(webhookUrl(workflow), { type: workflow.sentinelType, secret: SECRET });
	assert.equal(sentinel.status, 200, `sentinel event: ${JSON.stringify(sentinel.body)}`);
	const [execution] = await newExecutions(workflow, before, 1);
	assert.deepEqual(nodeOutput(execution, TRIGGER_NODE_NAME), [await expectedItem(workflow.sentinelType)]);
}

/** Creates a workflow, keeping its trigger's webhookId and a selected type for sentinels. */
async function createWorkflow(definition, { activate = true, sentinelType } = {}) {
	return { ...(await createAnonWorkflow(ctx.client, definition, { activate })), sentinelType };
}

/** The test that creates the workflows the others use. */
const FIRST_TEST = 'registers the node and credential types; workflows using them activate';

/** Tests after the first need its workflows; without them they fail at once, saying why. */
function test(name, fn) {
	return nodeTest(name, { timeout: TEST_TIMEOUT_MS }, async () => {
		if (!ctx.workflows.all && name !== FIRST_TEST) throw new Error(`skipped: workflows were not created in "${FIRST_TEST}"`);
		await fn();
	});
}

describe(`end to end in n8n ${N8N_VERSION}`, () => {
	suiteHooks({
		async setUp() {
			log(`E2E: n8n ${N8N_VERSION}`);
			ctx.receiver = await startReceiver();
			// Debug level, so the secret-hygiene check reads everything n8n can log.
			Object.assign(
				ctx,
				await startSuiteInstance({
					name: 'e2e',
					env: { N8N_LOG_LEVEL: 'debug' },
					owner: { email: 'e2e@anon.local', password: 'E2e-password-1' },
					secret: SECRET,
				}),
			);
		},
		async tearDown({ ok }) {
			await ctx.receiver?.close();
			await stopAllServers();
			await removeUserFolder(ctx.userFolder, { keep: !ok });
		},
	});

	// The weekly check against n8n's newest release (.github/workflows/n8n-latest.yml) runs this
	// group by its name: what the trigger answers, with nothing but n8n around it.
	describe('answers, redeliveries and the test URL', () => {
		test(FIRST_TEST, async () => {
			const descriptions = await ctx.client.nodeTypeDescriptions([{ name: 'n8n-nodes-anon.anonTrigger', version: 1.1 }]);
			assert.equal(descriptions.length, 1, `POST /rest/node-types: ${JSON.stringify(descriptions).slice(0, 300)}`);
			// n8n 2.41.1 answers with the bare node name; the prefixed form is accepted too.
			assert.match(descriptions[0].name, /^(n8n-nodes-anon\.)?anonTrigger$/);
			assert.deepEqual(
				descriptions[0].webhooks?.map((webhook) => webhook.path),
				['anon'],
			);

			const schema = await ctx.client.call('GET', '/api/v1/credentials/schema/anonWebhookApi', { auth: 'apiKey' });
			assert.ok(schema.properties?.signingSecret, `credential schema: ${JSON.stringify(schema)}`);

			const { workflows, trigger } = ctx;
			workflows.all = await createWorkflow(noOpWorkflow({ ...trigger, name: 'e2e all events' }), {
				sentinelType: 'link.opened',
			});
			workflows.selected = await createWorkflow(
				noOpWorkflow({ ...trigger, name: 'e2e link.opened only', events: ['link.opened'] }),
				{ sentinelType: 'link.opened' },
			);
			workflows.alert = await createWorkflow(await alertWorkflow({ ...trigger, alertUrl: ctx.receiver.url }));
			workflows.testMode = await createWorkflow(noOpWorkflow({ ...trigger, name: 'e2e test mode' }), {
				activate: false,
			});
			const active = await ctx.client.call('GET', `/api/v1/workflows/${workflows.all.id}`, { auth: 'apiKey' });
			assert.equal(active.active, true);
		});

		test('every example event → one execution emitting the documented item', async () => {
			const workflow = ctx.workflows.all;
			for (const type of EVENT_TYPES) {
				const before = await executionIds(workflow);
				const response = await sendEvent(webhookUrl(workflow), { type, secret: SECRET });
				assert.equal(response.status, 200, `${type}: ${JSON.stringify(response.body)}`);
				const [execution] = await newExecutions(workflow, before, 1);
				assert.equal(execution.status, 'success', `${type}: execution status`);
				assert.equal(execution.mode, 'webhook', `${type}: execution mode`);
				assert.deepEqual(nodeOutput(execution, TRIGGER_NODE_NAME), [await expectedItem(type)], type);
			}
		});

		test('an accepted event is answered 200 {"status":"accepted"} once its execution exists', async () => {
			// Checks n8n's answer rather than the execution: the node sets responseData to '' so n8n
			// answers with the node's own body (otherwise n8n would send the text "firstEntryJson").
			const workflow = ctx.workflows.all;
			const before = await executionIds(workflow);
			const response = await sendEvent(webhookUrl(workflow), { type: 'link.closed', secret: SECRET });
			// Wait for the execution first, so later tests do not see it arrive late.
			await newExecutions(workflow, before, 1);
			assert.equal(response.status, 200);
			assert.deepEqual(response.body, { status: 'accepted', message: 'Anon event evt_01HX4J5T7B2C3D4E5F6G7H8J9K started the workflow.' });
		});

		test('unselected event types and svix.ping → 2xx "ignored", no execution', async () => {
			const workflow = ctx.workflows.selected;
			const before = await executionIds(workflow);
			for (const type of [...EVENT_TYPES.filter((type) => type !== 'link.opened'), 'svix.ping']) {
				const response = await sendEvent(webhookUrl(workflow), { type, secret: SECRET });
				assert.ok(response.status >= 200 && response.status < 300, `${type}: ${response.status}`);
				assert.equal(response.body.status, 'ignored', `${type}: ${JSON.stringify(response.body)}`);
				assert.equal(response.body.reason, type === 'svix.ping' ? 'ping' : 'event_type_not_selected', type);
			}
			// svix.ping is ignored by an all-events trigger as well.
			const allBefore = await executionIds(ctx.workflows.all);
			const ping = await sendEvent(webhookUrl(ctx.workflows.all), { type: 'svix.ping', secret: SECRET });
			assert.deepEqual([ping.status, ping.body.status, ping.body.reason], [200, 'ignored', 'ping']);

			await assertNoExecutionsBesidesSentinel(workflow, before);
			await assertNoExecutionsBesidesSentinel(ctx.workflows.all, allBefore);
		});

		test('wrong secret, tampered body, stale timestamp, missing headers → 401, no execution; one warning in n8n\'s log', async () => {
			const workflow = ctx.workflows.all;
			const url = webhookUrl(workflow);
			const before = await executionIds(workflow);
			const body = await exampleBody('link.opened');
			const cases = [
				['wrong secret', { body, secret: newSigningSecret() }, 'no_matching_signature'],
				['tampered body', { body: body.replace('"link.opened"', '"link.closed"'), headers: svixHeaders({ secret: SECRET, body }) }, 'no_matching_signature'],
				['timestamp 10 minutes old', { body, secret: SECRET, timestamp: new Date(Date.now() - 10 * 60_000) }, 'timestamp_too_old'],
				['missing headers', { body, headers: {} }, 'missing_headers'],
			];
			for (const [name, request, reason] of cases) {
				const response = await sendEvent(url, request);
				assert.equal(response.status, 401, `${name}: ${JSON.stringify(response.body)}`);
				assert.equal(response.body.status, 'rejected', name);
				assert.equal(response.body.reason, reason, name);
				assert.equal(typeof response.body.message, 'string', name);
			}
			await assertNoExecutionsBesidesSentinel(workflow, before);
			// n8n's log warns on evidence only: the stale request is signed with this endpoint's secret,
			// so it names the clock; the mismatches come beside events that verified (the earlier
			// tests'), so they are noise, at debug level, not a wrong secret.
			const warnings = (await fs.readFile(ctx.n8n.logFile, 'utf8')).split('\n').filter((line) => /Anon Trigger .* with 401/.test(line) && line.includes(workflow.id));
			assert.equal(warnings.length, 1, warnings.join('\n'));
			assert.match(warnings[0], /timestamp_too_old.*clock/);
		});

		test('the same svix-id twice, an "Execute step" session and a re-publish between → one execution, second answered "duplicate"', async () => {
			const workflow = ctx.workflows.all;
			const before = await executionIds(workflow);
			const msgId = `msg_e2e_duplicate_${Date.now()}`;
			const first = await sendEvent(webhookUrl(workflow), { type: 'job_run.completed', secret: SECRET, msgId });
			assert.equal(first.status, 200, JSON.stringify(first.body));
			// n8n calls the trigger's delete hook when a Test-URL session ends and when an active workflow is re-published.
			assert.equal((await ctx.client.armTestWebhook(workflow.id, TRIGGER_NODE_NAME)).data?.waitingForWebhook, true);
			const testEvent = await sendEvent(`${ctx.n8n.baseUrl}/webhook-test/${workflow.webhookId}/anon`, { type: 'link.opened', secret: SECRET });
			assert.equal(testEvent.status, 200, JSON.stringify(testEvent.body));
			await ctx.client.activate(workflow.id);
			// Svix re-signs each attempt with a new timestamp; the id stays.
			const second = await sendEvent(webhookUrl(workflow), {
				type: 'job_run.completed',
				secret: SECRET,
				msgId,
				timestamp: new Date(Date.now() + 1000),
			});
			assert.equal(second.status, 200, JSON.stringify(second.body));
			assert.equal(second.body.status, 'duplicate', JSON.stringify(second.body));
			const [execution] = (await newExecutions(workflow, before, 2)).filter((e) => e.mode !== 'manual');
			assert.deepEqual(nodeOutput(execution, TRIGGER_NODE_NAME), [await expectedItem('job_run.completed')]);
			// A later event proves no second execution of the duplicate is still on its way.
			const afterFirst = await executionIds(workflow);
			await assertNoExecutionsBesidesSentinel(workflow, afterFirst);
		});

		test('Acknowledge "When the Workflow Finishes": answered 2xx after the run, with no workflow data; a redelivery is a duplicate', async () => {
			const workflow = await createWorkflow(noOpWorkflow({ name: 'Anon: acknowledge when finished', ...ctx.trigger, options: { acknowledge: 'lastNode' } }));
			const msgId = `msg_e2e_last_node_${Date.now()}`;
			const first = await sendEvent(webhookUrl(workflow), { type: 'workflow_run.failed', secret: SECRET, msgId });
			const answeredAt = Date.now();
			assert.equal(first.status, 200, JSON.stringify(first.body));
			// Anon's attempt log shows response bodies: nothing of the event or the run is in it.
			assert.ok(!JSON.stringify(first.body ?? '').includes('evt_'), `answer body: ${JSON.stringify(first.body)}`);
			const [execution] = await newExecutions(workflow, new Set(), 1);
			assert.equal(execution.status, 'success');
			assert.ok(new Date(execution.stoppedAt).getTime() <= answeredAt, 'the answer came after the run had finished');
			const again = await sendEvent(webhookUrl(workflow), { type: 'workflow_run.failed', secret: SECRET, msgId });
			assert.equal(again.status, 200, JSON.stringify(again.body));
			assert.equal(again.body.status, 'duplicate', JSON.stringify(again.body));
		});

		test('test mode: armed /webhook-test URL → a ping keeps it listening; an event → one manual execution with the item', async () => {
			const workflow = ctx.workflows.testMode;
			const before = await executionIds(workflow);
			assert.equal((await ctx.client.armTestWebhook(workflow.id, TRIGGER_NODE_NAME)).data?.waitingForWebhook, true);
			const url = `${ctx.n8n.baseUrl}/webhook-test/${workflow.webhookId}/anon`;
			// README step 5: the Testing tab's svix.ping is answered, starts nothing, and n8n keeps listening.
			const ping = await sendEvent(url, { type: 'svix.ping', secret: SECRET });
			assert.deepEqual([ping.status, ping.body?.reason], [200, 'ping'], JSON.stringify(ping.body));
			const response = await sendEvent(url, { type: 'link.closed', secret: SECRET });
			assert.equal(response.status, 200, JSON.stringify(response.body));
			const [execution] = await newExecutions(workflow, before, 1);
			assert.equal(execution.mode, 'manual');
			assert.deepEqual(nodeOutput(execution, TRIGGER_NODE_NAME), [await expectedItem('link.closed')]);
			// The session ends with the execution: the test URL is gone.
			assert.equal((await sendEvent(url, { type: 'link.closed', secret: SECRET })).status, 404);
		});
	});

	describe('the README examples, secret hygiene and rotation', () => {
		test('the README example (workflow_run.failed → Send Alert) → alert receiver gets run id and error once, though its first call failed', async () => {
			const workflow = ctx.workflows.alert;
			const before = await executionIds(workflow);
			ctx.receiver.failNext(1);
			const response = await sendEvent(webhookUrl(workflow), { type: 'workflow_run.failed', secret: SECRET });
			assert.equal(response.status, 200, JSON.stringify(response.body));
			const [alert] = await waitFor(async () => (ctx.receiver.received.length ? ctx.receiver.received : null), {
				what: 'the alert',
			});
			const event = JSON.parse(await exampleBody('workflow_run.failed'));
			assert.equal(alert.method, 'POST');
			const run = event.data.object;
			assert.deepEqual(alert.body, {
				text: `Anon workflow run ${run.id} failed: ${event.data.error_message}`,
				workflow_run_id: run.id,
				workflow_id: run.workflowId,
				job_run_id: run.jobRunId,
				error_message: event.data.error_message,
				event_id: event.id,
			});
			const [execution] = await newExecutions(workflow, before, 1);
			assert.equal(execution.status, 'success');
			assert.deepEqual([ctx.receiver.received.length, ctx.receiver.refused], [1, 1], 'one alert delivered, after one refused call');
		});

		test('the README fresh-link example: link.closed → Get Job → Create Fresh Link → new link_url delivered', async () => {
			// The Anon node talks to a stand-in of Anon's API that checks the Bearer key and the
			// documented request bodies; the notification goes to a receiver of our own.
			const apiKey = `anon_${randomBytes(16).toString('hex')}`;
			const api = await startAnonApiStandIn({ apiKey });
			const receiver = await startReceiver();
			try {
				const credential = await ctx.client.call('POST', '/api/v1/credentials', {
					auth: 'apiKey',
					// allowedHttpRequestDomains is n8n's own field; 1.x's public API insists on it.
					body: { name: 'e2e Anon API', type: 'anonApi', data: { apiKey, baseUrl: api.baseUrl, allowedHttpRequestDomains: 'all' } },
				});
				const definition = await exampleWorkflow('anon-fresh-link-on-link-closed.json', {
					...ctx.trigger,
					apiCredential: { id: credential.id, name: credential.name },
					urls: { 'Notify End User': receiver.url },
				});
				const workflow = await createWorkflow(definition);
				const response = await sendEvent(webhookUrl(workflow), { type: 'link.closed', secret: SECRET });
				assert.equal(response.status, 200, JSON.stringify(response.body));
				const [notice] = await waitFor(async () => (receiver.received.length ? receiver.received : null), {
					what: 'the fresh link notification',
				});
				const event = JSON.parse(await exampleBody('link.closed'));
				const created = api.requests.find((request) => request.path === '/api/v2/link');
				assert.ok(created, `requests to the API stand-in: ${JSON.stringify(api.requests.map((r) => r.path))}`);
				assert.deepEqual(created.body, { external_id: event.data.object.external_id, job_id: [event.data.object.job_id] });
				assert.match(notice.body.link_url, /^https:\/\/anon\.com\/link\//);
				assert.deepEqual(
					{ ...notice.body, link_url: undefined, expires_at: undefined },
					{
						external_id: event.data.object.external_id,
						job_id: event.data.object.job_id,
						job_name: JOB.name,
						link_url: undefined,
						expires_at: undefined,
						previous_link_id: event.data.object.id,
						previous_link_closed_at: event.data.object.closed_at,
					},
				);
				assert.equal(receiver.received.length, 1);
			} finally {
				await receiver.close();
				await api.close();
			}
		});

		test('secret hygiene: at debug log level the secret is in neither the n8n log nor any execution', async () => {
			const material = SECRET.slice('whsec_'.length);
			const logText = await fs.readFile(ctx.n8n.logFile, 'utf8');
			assert.match(logText, /debug/i, 'n8n logged at debug level');
			assert.ok(!logText.includes(material), 'the secret is in the n8n log');
			const workflows = await ctx.client.call('GET', '/api/v1/workflows?limit=250', { auth: 'apiKey' });
			for (const workflow of workflows.data) {
				const executions = await ctx.client.executions(workflow.id);
				assert.ok(!JSON.stringify(executions).includes(material), `the secret is in an execution of ${workflow.name}`);
			}
		});

		test('a signing secret rotated in Anon and changed through the public API: the old one is rejected within 10 s, the new one accepted, none lost', async () => {
			// The trigger reuses a credential read for at most 10 s (nodes/Anon/trigger/secretCache.ts).
			const BOUND_MS = 10_000;
			const [oldSecret, newSecret] = [newSigningSecret(), newSigningSecret()];
			const credential = await ctx.client.createCredential({ name: 'Anon e2e rotation', signingSecret: oldSecret });
			const workflow = await createWorkflow(
				noOpWorkflow({ name: 'e2e: secret change', credentialId: credential.id, credentialName: credential.name }),
			);
			const url = webhookUrl(workflow);
			const body = await exampleBody('link.opened');
			// Rotated in Anon's dashboard: for 24 h Svix signs with both secrets, so each message runs whichever the credential holds.
			const rotating = () => sendEvent(url, { body, secret: [oldSecret, newSecret], msgId: `msg_rotation_${randomUUID()}` });
			assert.deepEqual([(await sendEvent(url, { body, secret: oldSecret })).status, (await rotating()).status], [200, 200], 'before the change');

			const change = { name: credential.name, type: 'anonWebhookApi', data: { signingSecret: newSecret } };
			let updated = await ctx.client.request('PATCH', `/api/v1/credentials/${credential.id}`, { auth: 'apiKey', body: change });
			// n8n 1.x has no PATCH in its public API; the editor's own route does the same.
			if ([404, 405].includes(updated.status)) {
				updated = await ctx.client.request('PATCH', `/rest/credentials/${credential.id}`, { auth: 'cookie', body: change });
			}
			assert.equal(updated.status, 200, `credential update: ${JSON.stringify(updated.body)}`);
			const changedAt = Date.now();

			// Probes with the old secret until one is rejected: one accepted after the bound fails the
			// test (so the loop ends either way).
			let rejectedAt;
			while (!rejectedAt) {
				const sentAt = Date.now();
				const old = await sendEvent(url, { body, secret: oldSecret });
				if (old.status === 401) {
					rejectedAt = sentAt;
					break;
				}
				assert.equal(old.status, 200, `old secret during the change: ${JSON.stringify(old.body)}`);
				assert.ok(sentAt - changedAt < BOUND_MS, `the old secret was still accepted ${sentAt - changedAt} ms after the change`);
				await sleep(200);
			}
			log(`  old secret rejected ${rejectedAt - changedAt} ms after the change (bound ${BOUND_MS} ms)`);
			for (let i = 0; i < 3; i++) {
				const old = await sendEvent(url, { body, secret: oldSecret });
				assert.equal(old.status, 401, `old secret after it was rejected once: ${JSON.stringify(old.body)}`);
			}
			assert.deepEqual([(await sendEvent(url, { body, secret: newSecret })).status, (await rotating()).status], [200, 200], 'after the change');
		});
	});
});
