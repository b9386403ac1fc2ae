import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IDataObject,
	IHookFunctions,
	INodeCredentialTestResult,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { answerYourself, ignore, type AcceptedAnswer } from './trigger/answers';
import {
	anonWebhook,
	DEFAULT_REDELIVERY_WINDOW_MINUTES,
	triggerProperties,
	type TriggerOptions,
} from './trigger/description';
import {
	addField,
	ALL_EVENTS,
	classifyBody,
	compileEventFilter,
	eventItem,
	flatCollisions,
	isRecord,
	schemaIssues,
	shownValue,
	splitEventList,
	type ClassifiedBody,
} from './trigger/events';
import { deliveryHeaders } from './trigger/deliveryHeaders';
import { monotonicNow } from './trigger/clock';
import { LogLimiter } from './trigger/logLimiter';
import { invalidOption } from './trigger/options';
import { claimDelivery, senderGaveUp } from './trigger/redelivery';
import { signingKey } from './trigger/secretCache';
import { DEFAULT_TOLERANCE_SECONDS, parseSigningSecret, verifyWebhookSignature } from './trigger/verifySignature';

export class AnonTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Anon Trigger',
		name: 'anonTrigger',
		icon: { light: 'file:anon.svg', dark: 'file:anon.dark.svg' },
		group: ['trigger'],
		// 1.1, not 1: for a start node of typeVersion exactly 1, n8n evaluates a legacy
		// `options.binaryData` expression on every request, which costs an isolated-vm
		// round trip (see BENCHMARKS.md). Nothing else differs.
		version: 1.1,
		subtitle: '={{ $parameter["events"].join(", ") }}',
		description: 'Starts the workflow when Anon reports a link, job run or workflow run event',
		documentationUrl: 'https://github.com/anon-com/n8n-nodes-anon?tab=readme-ov-file#n8n-nodes-anon',
		defaults: { name: 'Anon Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'anonWebhookApi', required: true, testedBy: 'anonSigningSecretTest' }],
		webhooks: [anonWebhook],
		triggerPanel: {
			header: 'Send an Anon event to the test URL',
			executionsHelp: {
				inactive:
					"<b>While building your workflow</b>, click 'Execute step' (or 'Listen for test event'), then in Anon's dashboard open your endpoint (with this node's <b>Test URL</b>) → Testing → Send example. The event appears here.<br /><br /><b>Once you're happy with your workflow</b>, publish it and point the Anon endpoint at the <b>Production URL</b>: every matching event then starts an execution, visible in the executions list.",
				active:
					"<b>While building your workflow</b>, click 'Execute step' (or 'Listen for test event'), then send an example to this node's <b>Test URL</b> from Anon's dashboard (Testing → Send example).<br /><br /><b>Your workflow is active</b>: every matching event Anon sends to the <b>Production URL</b> starts an execution, visible in the executions list.",
			},
			activationHint:
				"Once you've finished building your workflow, publish it and use the Production URL as the endpoint in Anon's dashboard.",
		},
		properties: triggerProperties,
	};

	methods = {
		credentialTest: {
			async anonSigningSecretTest(
				this: ICredentialTestFunctions,
				credential: ICredentialsDecrypted,
			): Promise<INodeCredentialTestResult> {
				const parsed = parseSigningSecret(String(credential.data?.signingSecret ?? ''));
				if (!parsed.ok) return { status: 'Error', message: parsed.message };
				const kind = parsed.key.kind === 'hmac' ? 'signing secret (v1)' : 'public key (v1a)';
				return { status: 'OK', message: `Valid ${kind}. Anon signs with it; nothing is sent to check it.` };
			},
		},
	};

	// Anon has no API to register webhook endpoints: the user pastes the URL into Anon's
	// dashboard. n8n still calls these hooks, so they report "nothing to do". `delete` runs far
	// more often than on deactivation (whenever a Test-URL session ends, and when an active
	// workflow is re-published), so it leaves the redelivery memory alone: the memory belongs to
	// the production webhook, and an idle one is swept (redeliveryGuard.ts).
	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const request = this.getRequestObject();
		const options = this.getNodeParameter('options', {}) as TriggerOptions;

		// 0. Only a body n8n has already read, never the socket. n8n keeps the raw bytes
		// (`rawBody`) of the content types it parses (JSON, text, XML, URL-encoded form); any
		// other body is still in the socket, and reading it here would keep this request (and
		// the expression isolate n8n holds for it) alive at the sender's pace. Anon (Svix)
		// always sends application/json.
		if (!Buffer.isBuffer(request.rawBody)) {
			return refuseUnreadBody(this, request.headers['content-type']);
		}
		const rawBody = request.rawBody;

		// Options as n8n hands them over (an expression may return anything): any value of the
		// wrong type or out of range refuses the request; the check never widens.
		const events: unknown = this.getNodeParameter('events', []);
		const invalid = invalidOption(options, events);
		if (invalid) {
			warnAtMostOnceAMinute(this, `options/${this.getNode().id}`, `refuses every request with 500 invalid_option: ${invalid.message}`);
			return answerYourself(this, 500, { status: 'rejected', reason: 'invalid_option', message: invalid.message });
		}

		// 1. Verify, fail closed.
		const secret = await signingKey(this);
		if (!secret.ok) return refuseMisconfigured(this, secret.message);
		const verified = verifyWebhookSignature({
			// Each header as often as it came: Node's own `headers` joins a repeated one with ", ".
			headers: request.headersDistinct ?? request.headers,
			body: rawBody,
			key: secret.key,
			toleranceSeconds: options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
		});
		if (!verified.ok) {
			this.logger.debug(`Anon Trigger rejected a request (${verified.reason})`);
			return answerYourself(this, 401, { status: 'rejected', reason: verified.reason, message: verified.message });
		}

		// 2. Filter.
		const body = classifyBody(rawBody);
		if (body.kind === 'ping') {
			return ignore('ping', 'Verified svix.ping test message; the signing secret is right. No workflow was run.');
		}
		const selected = [
			...(events as string[]),
			...splitEventList(options.additionalEvents ?? ''),
		];
		if (body.kind === 'unrecognised' && !selected.includes(ALL_EVENTS)) {
			return ignore('not_an_event', `${body.problem} Only "All Events" runs the workflow for such payloads.`);
		}
		if (body.kind === 'event' && !compileEventFilter(selected)(body.type)) {
			return ignore('event_type_not_selected', `Event type "${shownValue(body.type)}" is not selected in this Anon Trigger; no workflow was run.`);
		}
		if (body.kind === 'event' && options.ignoreTestJobRuns && isTestJobRun(body.type, body.body)) {
			return ignore('test_job_run', 'Job run marked isTest, ignored by the "Ignore Test Job Runs" option.');
		}

		// 3. Redeliveries, replays and copies in flight of what this node already handed to
		// n8n (production URL only); a sender that already gave up leaves it to its retry.
		if (senderGaveUp(this, verified.id)) return { noWebhookResponse: true };
		const redelivery = claimDelivery(this, verified.id, verified.timestamp, {
			windowMinutes: options.redeliveryWindowMinutes ?? DEFAULT_REDELIVERY_WINDOW_MINUTES,
			toleranceSeconds: options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
			acknowledge: options.acknowledge ?? 'onReceived',
		});
		if (redelivery) return redelivery;

		// 4. Emit: a schema mismatch is reported on the item and logged, never dropped.
		const item = emittedItem(this, body, options);
		if (options.includeDelivery) {
			addField(item, 'delivery', {
				id: verified.id,
				timestamp: new Date(verified.timestamp * 1000).toISOString(),
				received_at: new Date().toISOString(),
				signature_version: verified.version,
				headers: deliveryHeaders(request.headers, options.headersToShow),
			});
		}
		const eventId = body.kind === 'event' ? shownValue(body.body.id) : 'payload';
		return {
			workflowData: [[{ json: item }]],
			webhookResponse: { status: 'accepted', message: `Anon event ${eventId} started the workflow.` } satisfies AcceptedAnswer,
		};
	}
}

function emittedItem(
	context: IWebhookFunctions,
	body: Exclude<ClassifiedBody, { kind: 'ping' }>,
	options: TriggerOptions,
): IDataObject {
	if (body.kind === 'unrecognised') {
		context.logger.warn(`Anon Trigger: verified payload is not an Anon event; emitted anyway. ${body.problem}`);
		const item = isRecord(body.body) ? { ...body.body } : { body: body.body };
		addField(item, 'schema_issues', [body.problem]);
		return item as IDataObject;
	}
	const output = options.output ?? 'flat';
	const item = eventItem(body.body, output) as IDataObject;
	const issues = [...schemaIssues(body.type, body.body), ...(output === 'flat' ? flatCollisions(body.body) : [])];
	if (issues.length > 0) {
		addField(item, 'schema_issues', issues);
		context.logger.warn(
			`Anon Trigger: event ${shownValue(body.body.id)} (${shownValue(body.type)}) does not match Anon's documented schema; emitted anyway. ${issues.join('; ')}`,
		);
	}
	return item;
}

const misconfigurationLog = new LogLimiter();

/**
 * 500 for a credential that cannot be read or holds no usable secret. Anyone who knows the URL
 * can call it, so the answer says only that the endpoint needs attention; the detail (n8n's
 * decryption message, what is wrong with the secret, never the secret) goes to n8n's log, at
 * most once a minute per workflow and credential.
 */
function refuseMisconfigured(context: IWebhookFunctions, detail: string): IWebhookResponseData {
	const node = context.getNode();
	warnAtMostOnceAMinute(
		context,
		`credential/${node.credentials?.anonWebhookApi?.id ?? `node ${node.id}`}`,
		`cannot verify requests and answers them 500 endpoint_misconfigured: ${detail}`,
	);
	return answerYourself(context, 500, {
		status: 'rejected',
		reason: 'endpoint_misconfigured',
		message: "This n8n endpoint cannot verify requests: its Anon Trigger credential needs attention. The n8n operator finds the details in n8n's log.",
	});
}

/** A warning about this workflow's configuration, at most once a minute per workflow and `topic`. */
function warnAtMostOnceAMinute(context: IWebhookFunctions, topic: string, line: string): void {
	const workflowId = context.getWorkflow().id ?? '';
	if (!misconfigurationLog.allow(`${workflowId}/${topic}`, monotonicNow())) return;
	context.logger.warn(
		`Anon Trigger "${context.getNode().name}" in workflow ${workflowId} ${line} (logged at most once a minute)`,
	);
}

/**
 * 415 for a body n8n left unread, without reading it. `Connection: close` makes Node's HTTP
 * server close the socket once the answer is written, instead of draining whatever the sender
 * still trickles in to keep the connection alive.
 */
function refuseUnreadBody(context: IWebhookFunctions, contentType: string | undefined): IWebhookResponseData {
	const received = contentType
		? `Content-Type "${contentType.length > 100 ? `${contentType.slice(0, 100)}…` : contentType}"`
		: 'no Content-Type';
	context.logger.debug(`Anon Trigger refused a request with ${received} (unsupported_content_type)`);
	context.getResponseObject().setHeader('Connection', 'close');
	return answerYourself(context, 415, {
		status: 'rejected',
		reason: 'unsupported_content_type',
		message: `The request has ${received}; Anon (Svix) sends its events as application/json, the only type this trigger accepts.`,
	});
}

function isTestJobRun(type: string, body: Record<string, unknown>): boolean {
	const data = body.data as { object?: { isTest?: unknown } } | undefined;
	return type.startsWith('job_run.') && data?.object?.isTest === true;
}
