// The Min Trigger (fixtures/min-trigger) plus ONE of the Anon Trigger's steps each, for
// scripts/bench/triggerCost.mjs: which step costs what under load. Each variant runs its step
// with the package's own compiled code and answers with the wall-clock time the step took
// (performance.now() around it, waiting included).
//
// Installed into a throwaway n8n's nodes folder only, beside the packed n8n-nodes-anon (whose
// dist/ it requires) and a secret.json holding the signing secret; never shipped. n8n loads one
// class per file, so installVariants() writes one entry file per variant, each a single
// `require` of this module.
'use strict';
const path = require('node:path');

const INSTALLED_TRIGGER = path.join(__dirname, '..', 'n8n-nodes-anon', 'dist', 'nodes', 'Anon', 'trigger');

/**
 * One step each. `step(json, lib)` runs with the webhook's `this`, gets the parsed body and the
 * package's code (`lib`), and returns the item to emit.
 */
const VARIANTS = {
	props: {
		what: "no step: only the Anon Trigger's parameter definitions and values (every variant has them)",
	},
	credref: {
		what: 'no step: props + the node references an anonWebhookApi credential, never read',
		credentials: true,
	},
	cred: {
		what: "credential read: this.getCredentials('anonWebhookApi')",
		credentials: true,
		async step(json) {
			await this.getCredentials('anonWebhookApi');
			return json;
		},
	},
	isolate: {
		what: 'a second expression isolate acquired and released, as getCredentials does after its database read',
		async step(json, { Workflow }) {
			const workflow = new Workflow({ nodes: [], connections: {}, active: false, nodeTypes: NO_NODE_TYPES });
			await workflow.expression.acquireIsolate();
			await workflow.expression.releaseIsolate();
			return json;
		},
	},
	params: {
		what: "parameter reads: getNodeParameter('options') and ('events')",
		async step(json) {
			this.getNodeParameter('options', {});
			this.getNodeParameter('events', []);
			return json;
		},
	},
	rawbody: {
		what: 'raw body read + JSON parse and classification (classifyBody)',
		async step(_json, { classifyBody }) {
			return classifyBody(this.getRequestObject().rawBody).body;
		},
	},
	verify: {
		what: 'signature verification (verifyWebhookSignature, key parsed once)',
		async step(json, { verifyWebhookSignature, key }) {
			const { headers, rawBody } = this.getRequestObject();
			const verified = verifyWebhookSignature({ headers, body: rawBody, key, toleranceSeconds: 300 });
			if (!verified.ok) throw new Error(`variant: ${verified.reason}`);
			return json;
		},
	},
	schema: {
		what: 'schema check with zod (schemaIssues)',
		async step(json, { schemaIssues }) {
			const issues = schemaIssues(json.type, json);
			if (issues.length) throw new Error(issues.join('; '));
			return json;
		},
	},
	guard: {
		what: "redelivery guard: claim + response 'close' listener",
		async step(json, lib) {
			claimDelivery(this, this.getRequestObject().headers['svix-id'], lib);
			return json;
		},
	},
	item: {
		what: 'item shape: emit the Anon item (eventItem, flat)',
		async step(json, { eventItem }) {
			return eventItem(json, 'flat');
		},
	},
	nocred: {
		what: 'all of the above except the credential read',
		async step(_json, lib) {
			const options = this.getNodeParameter('options', {});
			this.getNodeParameter('events', []);
			const request = this.getRequestObject();
			const verified = lib.verifyWebhookSignature({ headers: request.headers, body: request.rawBody, key: lib.key, toleranceSeconds: options.toleranceSeconds ?? 300 });
			if (!verified.ok) throw new Error(`variant: ${verified.reason}`);
			const body = lib.classifyBody(request.rawBody).body;
			claimDelivery(this, verified.id, lib);
			const json = lib.eventItem(body, 'flat');
			const issues = lib.schemaIssues(body.type, body);
			if (issues.length) json.schema_issues = issues;
			return json;
		},
	},
};

const NO_NODE_TYPES = { getByName: () => undefined, getByNameAndVersion: () => undefined, getKnownTypes: () => ({}) };

function claimDelivery(context, id, { redeliveryGuardFor }) {
	const guard = redeliveryGuardFor(`${context.getWorkflow().id || ''}/${context.getNode().id}`);
	const signedAt = Number(context.getRequestObject().headers['svix-timestamp']);
	// The defaults (60-minute window, 300 s tolerance) on the guard's clock (trigger/clock.ts).
	const claim = guard.claim(id, signedAt, { windowMs: 3_600_000, replayMs: 600_000 }, performance.now());
	if (claim.status !== 'new') throw new Error(`variant: duplicate ${id}`);
	const response = context.getResponseObject();
	response.once('close', () => claim.settle(response.writableFinished && response.statusCode < 300));
}

/** The package's code and the signing key, loaded once, where n8n installed them. */
let lib;
function loadLib() {
	if (lib) return lib;
	const { parseSigningSecret } = require(path.join(INSTALLED_TRIGGER, 'signingSecret.js'));
	const { verifyWebhookSignature } = require(path.join(INSTALLED_TRIGGER, 'verifySignature.js'));
	const { schemaIssues } = require(path.join(INSTALLED_TRIGGER, 'eventCatalog.js'));
	const { classifyBody } = require(path.join(INSTALLED_TRIGGER, 'eventFilter.js'));
	const { eventItem } = require(path.join(INSTALLED_TRIGGER, 'eventItem.js'));
	const { redeliveryGuardFor } = require(path.join(INSTALLED_TRIGGER, 'redeliveryGuard.js'));
	// n8n's own n8n-workflow (on NODE_PATH), so the Expression shares n8n's isolate pool.
	const { Workflow } = require('n8n-workflow');
	const key = parseSigningSecret(require('./secret.json').signingSecret).key;
	lib = { classifyBody, eventItem, key, redeliveryGuardFor, schemaIssues, verifyWebhookSignature, Workflow };
	return lib;
}

/** The class n8n loads for a variant, as `{ [className]: class }`. */
function variantNode(name) {
	const spec = VARIANTS[name];
	const { triggerProperties } = require(path.join(INSTALLED_TRIGGER, 'description.js'));
	const step = spec.step ?? (async (json) => json);
	class Variant {
		constructor() {
			this.description = {
				displayName: `Variant ${name}`,
				name: nodeName(name),
				group: ['trigger'],
				version: 1.1,
				description: spec.what,
				defaults: { name: `Variant ${name}` },
				inputs: [],
				outputs: ['main'],
				credentials: spec.credentials ? [{ name: 'anonWebhookApi', required: true }] : undefined,
				webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', responseData: '', path: name }],
				properties: triggerProperties,
			};
		}

		async webhook() {
			const started = performance.now();
			const json = await step.call(this, this.getBodyData(), loadLib());
			const stepMs = performance.now() - started;
			return { workflowData: [[{ json }]], webhookResponse: { status: 'accepted', stepMs } };
		}
	}
	return { [className(name)]: Variant };
}

const className = (name) => `Var${name[0].toUpperCase()}${name.slice(1)}`;
const nodeName = (name) => `var${name[0].toUpperCase()}${name.slice(1)}`;

module.exports = { VARIANTS, className, nodeName, variantNode };
