// The workflows the suites and tools put into n8n (Anon Trigger → No Operation, and the
// README's examples from examples/ wired to the instance), creating them so that their
// webhooks are live, and the receiver the example workflows post to.
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

import { createRequire } from 'node:module';

import { nodeOutput } from './n8n.mjs';
import { MIN_TRIGGER_PACKAGE, PACKAGE_NAME, REPO_ROOT } from './package.mjs';
import { n8nBin } from './runtime.mjs';

export const TRIGGER_NODE_NAME = 'Anon Trigger';
const TRIGGER_TYPE = `${PACKAGE_NAME}.anonTrigger`;

/** Production URL of an Anon Trigger (a workflow's or the node's `webhookId`) on `baseUrl`. */
export const webhookUrl = (baseUrl, { webhookId }) => `${baseUrl}/webhook/${webhookId}/anon`;

/** An Anon Trigger node with a fixed webhookId, so its URL is /webhook/<webhookId>/anon. */
function anonTriggerNode({ events, credentialId, credentialName, webhookId = randomUUID(), options = {} }) {
	return {
		id: randomUUID(),
		name: TRIGGER_NODE_NAME,
		type: TRIGGER_TYPE,
		typeVersion: 1.1,
		position: [0, 0],
		webhookId,
		parameters: { events, options },
		credentials: { anonWebhookApi: { id: credentialId, name: credentialName } },
	};
}

/** Anon Trigger (all events unless `events` says otherwise) → No Operation. */
export function noOpWorkflow({ name = 'Anon: all events', events = ['*'], ...trigger }) {
	return withNoOp(name, anonTriggerNode({ events, ...trigger }));
}

/** `trigger` → No Operation. */
export function withNoOp(name, trigger) {
	const noOp = {
		id: randomUUID(),
		name: 'No Operation',
		type: 'n8n-nodes-base.noOp',
		typeVersion: 1,
		position: [240, 0],
		parameters: {},
	};
	return chainWorkflow(name, [trigger, noOp]);
}

/** A workflow of `nodes` in a line: each node's main output feeds the next one. */
export function chainWorkflow(name, nodes) {
	const connections = {};
	for (let i = 0; i + 1 < nodes.length; i++) {
		connections[nodes[i].name] = { main: [[{ node: nodes[i + 1].name, type: 'main', index: 0 }]] };
	}
	return { name, nodes, connections };
}

/** The Min Trigger (installMinTrigger; verifies nothing) → No Operation: the cheapest community trigger. */
export function minTriggerWorkflow({ name = 'Min Trigger', webhookId = randomUUID() } = {}) {
	const trigger = {
		id: randomUUID(),
		name: 'Min Trigger',
		type: `${MIN_TRIGGER_PACKAGE}.minTrigger`,
		typeVersion: 1.1,
		position: [0, 0],
		webhookId,
		parameters: {},
	};
	return withNoOp(name, trigger);
}

/** n8n's built-in Webhook node (typeVersion 2, static parameters, no verification) → No Operation. */
export function webhookNodeWorkflow({ name = 'Webhook node', webhookId = randomUUID() } = {}) {
	return withNoOp(name, webhookNode({ webhookId }));
}

/** n8n's Webhook node (typeVersion 2), POST on the path `webhookId`; `parameters` added to its own. */
export function webhookNode({ webhookId = randomUUID(), parameters = {} } = {}) {
	return {
		id: randomUUID(),
		name: 'Webhook',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: [0, 0],
		webhookId,
		parameters: { httpMethod: 'POST', path: webhookId, responseMode: 'onReceived', options: {}, ...parameters },
	};
}

/** Production URL of a workflow's trigger (Anon Trigger, Min Trigger or Webhook node) on `baseUrl`. */
export function triggerUrl(baseUrl, { nodes }) {
	const { type, webhookId } = nodes[0];
	if (type === TRIGGER_TYPE) return `${baseUrl}/webhook/${webhookId}/anon`;
	if (type === `${MIN_TRIGGER_PACKAGE}.minTrigger`) return `${baseUrl}/webhook/${webhookId}/min`;
	return `${baseUrl}/webhook/${webhookId}`;
}

/**
 * An importable workflow from examples/, wired to this instance: every Anon Trigger gets the
 * given webhook credential (and `webhookId`, or a fresh one), every Anon node the given API
 * credential, and every HTTP Request node the URL `urls[node name]`. What is tested is the
 * file the README ships.
 */
export async function exampleWorkflow(file, { credentialId, credentialName, webhookId = randomUUID(), apiCredential, urls = {} }) {
	const workflow = JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'examples', file), 'utf8'));
	for (const node of workflow.nodes) {
		if (node.type === TRIGGER_TYPE) {
			node.webhookId = webhookId;
			node.credentials = {
				anonWebhookApi: { id: credentialId, name: credentialName },
			};
		}
		if (node.type === `${PACKAGE_NAME}.anon` && apiCredential) node.credentials = { anonApi: apiCredential };
		if (node.type === 'n8n-nodes-base.httpRequest' && urls[node.name]) node.parameters.url = urls[node.name];
	}
	return {
		name: workflow.name,
		nodes: workflow.nodes,
		connections: workflow.connections,
		settings: workflow.settings,
	};
}

/** The example files users import: every examples/*.json. */
export const EXAMPLE_FILES = readdirSync(path.join(REPO_ROOT, 'examples')).filter((file) => file.endsWith('.json'));

/**
 * An example file as n8n's editor imports it, read verbatim: n8n 2.41.1's editor
 * (n8n-editor-ui, useCanvasOperations: importWorkflowData → resolveNodeData) calls n8n-workflow's
 * resolveNodeWebhookId on every installed node, which gives a node whose type has webhooks and no
 * webhookId a fresh one (uuid v4) and keeps one the file carries. Called here from the
 * n8n-workflow inside the n8n under test, with the node type descriptions that n8n (`client`)
 * serves the editor.
 */
export async function importedAsTheEditorDoes(file, client) {
	const workflow = JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'examples', file), 'utf8'));
	const { resolveNodeWebhookId } = createRequire(n8nBin())('n8n-workflow');
	const nodeInfos = [...new Map(workflow.nodes.map((node) => [node.type, { name: node.type, version: node.typeVersion }])).values()];
	// In the order asked (a description's `name` may drop the package prefix).
	const descriptions = await client.nodeTypeDescriptions(nodeInfos);
	if (!descriptions.some((description) => description.webhooks?.length)) {
		throw new Error(`${file}: n8n describes none of its nodes with a webhook: ${JSON.stringify(nodeInfos)}`);
	}
	for (const [index, { name }] of nodeInfos.entries()) {
		for (const node of workflow.nodes.filter((one) => one.type === name)) resolveNodeWebhookId(node, descriptions[index]);
	}
	return workflow;
}

/** The README's alert example: Anon Trigger (workflow_run.failed) → Send Alert to `alertUrl`. */
export async function alertWorkflow({ alertUrl, ...trigger }) {
	return exampleWorkflow('anon-workflow-run-failed-alert.json', {
		...trigger,
		urls: { 'Send Alert': alertUrl },
	});
}

/**
 * Creates a workflow with an Anon Trigger through `client` and, unless `activate: false`,
 * activates it; the client's activation waits until its production URL answers a signed
 * svix.ping on every one of `baseUrls` (the n8n processes that serve webhooks). Returns
 * { id, name, webhookId }.
 */
export async function createAnonWorkflow(client, definition, { baseUrls = [client.baseUrl], activate = true, timeoutMs } = {}) {
	const created = await client.createWorkflow(definition, { activate, webhookBaseUrls: baseUrls, timeoutMs });
	const trigger = definition.nodes.find((node) => node.type === TRIGGER_TYPE);
	return { id: created.id, name: created.name, webhookId: trigger.webhookId };
}

/**
 * Event ids in the trigger output of every execution of a workflow: `byEvent`,
 * Map<eventId, statuses[]>, and `runs`, Map<eventId, { status, startedAt }[]> (for budgetReport).
 * `withoutData` lists the statuses of executions that have no trigger output to attribute
 * (an execution n8n created but whose data a crash destroyed).
 */
export async function executedEventIds(client, workflowId) {
	const executions = await client.executions(workflowId);
	const byEvent = new Map();
	const runs = new Map();
	const withoutData = [];
	for (const execution of executions) {
		const items = nodeOutput(execution, TRIGGER_NODE_NAME) ?? [];
		if (items.length === 0) withoutData.push(execution.status);
		for (const item of items) {
			const id = item.event?.id;
			byEvent.set(id, [...(byEvent.get(id) ?? []), execution.status]);
			runs.set(id, [...(runs.get(id) ?? []), { status: execution.status, startedAt: execution.startedAt }]);
		}
	}
	return { byEvent, runs, total: executions.length, withoutData };
}

/**
 * A tiny HTTP server on 127.0.0.1 that records every JSON body it receives (the "alert
 * receiver" the alert workflow posts to). `onRequest` is called with each parsed body.
 * `failNext(n)` answers the next n requests 500, as a flaky Slack would (counted in `refused`).
 */
export async function startReceiver({ port = 0, onRequest } = {}) {
	const received = [];
	const state = { failing: 0, refused: 0 };
	const server = http.createServer((request, response) => {
		let data = '';
		request.on('data', (chunk) => (data += chunk));
		request.on('end', () => {
			let body = data;
			try {
				body = JSON.parse(data);
			} catch {
				// keep text
			}
			if (state.failing > 0) {
				state.failing -= 1;
				state.refused += 1;
				response.writeHead(500).end();
				return;
			}
			const entry = { method: request.method, path: request.url, body };
			received.push(entry);
			onRequest?.(entry);
			response.writeHead(200, { 'content-type': 'application/json' });
			response.end('{"ok":true}');
		});
	});
	await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
	const { port: bound } = server.address();
	return {
		url: `http://127.0.0.1:${bound}/alert`,
		received,
		failNext: (n) => (state.failing = n),
		get refused() {
			return state.refused;
		},
		close: () => new Promise((resolve) => server.close(resolve)),
	};
}

/**
 * Anon Trigger → Remove Duplicates (n8n's node, v2: Remove Items Processed in Previous
 * Executions, Value to Dedupe On {{ $json.event.id }}, scope workflow, History Size
 * `historySize` or n8n's default of 10000) → Downstream (No Operation).
 */
export function removeDuplicatesWorkflow({ name = 'Anon: remove duplicates', historySize, ...trigger }) {
	const [triggerNode, noOp] = noOpWorkflow({ name, ...trigger }).nodes;
	const dedupe = {
		id: randomUUID(),
		name: 'Remove Duplicates',
		type: 'n8n-nodes-base.removeDuplicates',
		typeVersion: 2,
		position: [240, 0],
		parameters: {
			operation: 'removeItemsSeenInPreviousExecutions',
			logic: 'removeItemsWithAlreadySeenKeyValues',
			dedupeValue: '={{ $json.event.id }}',
			options: { scope: 'workflow', ...(historySize === undefined ? {} : { historySize }) },
		},
	};
	return chainWorkflow(name, [triggerNode, dedupe, { ...noOp, name: 'Downstream', position: [480, 0] }]);
}

/**
 * Every execution of a workflow, oldest first: { id, eventId (its trigger's item), status,
 * passed (items `nodeName` emitted on its first output), error (the run's error message) }.
 */
export async function nodeOutcomes(client, workflowId, nodeName) {
	const executions = await client.executions(workflowId);
	return executions
		.map((execution) => ({
			id: Number(execution.id),
			eventId: nodeOutput(execution, TRIGGER_NODE_NAME)?.[0]?.event?.id,
			status: execution.status,
			passed: nodeOutput(execution, nodeName)?.length ?? 0,
			error: execution.data?.resultData?.error?.message,
		}))
		.sort((a, b) => a.id - b.id);
}
