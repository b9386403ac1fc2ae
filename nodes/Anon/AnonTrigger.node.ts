import type {
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IHookFunctions,
	INodeCredentialTestResult,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { writeAnswer } from './trigger/answers';
import { anonWebhook, triggerProperties } from './trigger/description';
import { selectEvent } from './trigger/eventFilter';
import { emit } from './trigger/eventItem';
import { nodeParameters } from './trigger/options';
import { claimDelivery } from './trigger/redelivery';
import { receivedBody } from './trigger/requestBody';
import { parseCredentialSecrets } from './trigger/signingSecret';
import { verifyDelivery } from './trigger/verifyDelivery';

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
					"<b>While building your workflow</b>, test through a second endpoint in Anon's dashboard whose URL is this node's <b>Test URL</b>, with its signing secret in the credential's Testing Endpoint Signing Secret (never point your production endpoint here: while nobody listens its events fail). Click 'Execute step' (or 'Listen for test event'), then in that endpoint's Testing tab pick an event type (e.g. workflow_run.failed) and click Send Example: the event appears here. The tab's first choice, svix.ping, only checks the URL and secret: it starts nothing and this panel keeps listening.<br /><br /><b>Once you're happy with your workflow</b>, publish it with your production endpoint on the <b>Production URL</b>: every matching event then starts an execution, visible in the executions list.",
				active:
					"<b>While building your workflow</b>, click 'Execute step' (or 'Listen for test event'), then send an event type (not svix.ping, which starts nothing) from the Testing tab of your testing endpoint (the one on this node's <b>Test URL</b>).<br /><br /><b>Your workflow is active</b>: every matching event Anon sends to the <b>Production URL</b> starts an execution, visible in the executions list.",
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
				const secrets = parseCredentialSecrets(credential.data);
				if (!secrets.ok) return { status: 'Error', message: secrets.message };
				if (secrets.testing && !secrets.testing.ok) return { status: 'Error', message: `Testing Endpoint Signing Secret: ${secrets.testing.message}` };
				const kind = secrets.key.kind === 'hmac' ? 'signing secret (v1)' : 'public key (v1a)';
				return { status: 'OK', message: `Valid ${kind}${secrets.testing ? ', and a valid testing endpoint secret' : ''}. Anon signs with it; nothing is sent to check it.` };
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

	/**
	 * One delivery, step by step: each step is one call into the module that owns it, and
	 * returns its value or stops the delivery by throwing a `Stop` with its answer (answers.ts),
	 * written here, once.
	 */
	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		try {
			// 1. The body n8n has already read, never the socket, and never compressed (415).
			const rawBody = receivedBody(this);
			// 2. Events and Options as n8n hands them over, checked (500 invalid_option).
			const { options, events } = nodeParameters(this);
			// 3. Verify, fail closed (401, or 500 endpoint_misconfigured).
			const delivery = await verifyDelivery(this, rawBody, options.toleranceSeconds);
			// 4. Classify and filter: pings, unselected types and test job runs are ignored (200).
			const body = selectEvent(rawBody, events, options);
			// 5. Claim the message (Production URL): a redelivery, a replay or a copy in flight of
			// what this node already handed to n8n stops here (200 duplicate, or 409).
			claimDelivery(this, delivery, options);
			// 6. Emit: one item, and the 200 accepted answer.
			return emit(this, body, delivery, options);
		} catch (thrown) {
			return writeAnswer(this, thrown);
		}
	}
}
