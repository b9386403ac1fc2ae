import type { INodeProperties, IWebhookDescription } from 'n8n-workflow';

import { ALL_EVENTS, ANON_EVENT_TYPES, type OutputShape } from './events';
import { DEFAULT_TOLERANCE_SECONDS } from './verifySignature';

export interface TriggerOptions {
	acknowledge?: Acknowledge;
	additionalEvents?: string;
	headersToShow?: string;
	ignoreTestJobRuns?: boolean;
	includeDelivery?: boolean;
	output?: OutputShape;
	redeliveryWindowMinutes?: number;
	toleranceSeconds?: number;
}

export const DEFAULT_REDELIVERY_WINDOW_MINUTES = 60;

/** When n8n answers Anon: n8n's webhook response modes `onReceived` and `lastNode`. */
export type Acknowledge = 'onReceived' | 'lastNode';

type NodeParameters = { options?: { acknowledge?: unknown } };
const WEBHOOK_RESOLVERS = Symbol.for('n8n.webhookDescriptionResolvers');

/**
 * The webhook n8n registers. Its response mode follows the Acknowledge option. A description
 * field that is an expression costs an expression-engine evaluation on every request, so each
 * comes with the equivalent plain function under n8n's resolver key: n8n 2.x then reads the
 * value natively while the node's parameters hold no expression; older n8n evaluates the
 * template, which computes the same value.
 */
export const anonWebhook = {
	name: 'default',
	httpMethod: 'POST',
	path: 'anon',
	...resolvedFromParameters({
		// onReceived: answer as soon as the execution exists. lastNode: once it has finished.
		responseMode: {
			template: '={{$parameter["options"]["acknowledge"] === "lastNode" ? "lastNode" : "onReceived"}}',
			resolve: (parameters: NodeParameters) => (parameters.options?.acknowledge === 'lastNode' ? 'lastNode' : 'onReceived'),
		},
		// onReceived: '' makes n8n answer with this node's webhookResponse (n8n's default is the
		// literal text "firstEntryJson"). lastNode: no body, never the workflow's data (Anon's
		// dashboard shows response bodies in its attempt log).
		responseData: {
			template: '={{$parameter["options"]["acknowledge"] === "lastNode" ? "noData" : ""}}',
			resolve: (parameters: NodeParameters) => (parameters.options?.acknowledge === 'lastNode' ? 'noData' : ''),
		},
	}),
} as IWebhookDescription;

function resolvedFromParameters<F extends string>(
	fields: Record<F, { template: string; resolve: (parameters: NodeParameters) => string }>,
): Record<F, string> {
	const templates = Object.fromEntries(Object.entries(fields).map(([name, field]) => [name, (field as { template: string }).template]));
	return { ...templates, [WEBHOOK_RESOLVERS]: fields } as unknown as Record<F, string>;
}

export const triggerProperties: INodeProperties[] = [
	{
		displayName:
			'Set up in Anon: open <a href="https://dashboard.anon.com/webhooks" target="_blank">dashboard.anon.com/webhooks</a> → <b>+ Add endpoint</b>, paste this node\'s <b>Production URL</b> and pick the same event types. Then copy the endpoint\'s <b>Signing Secret</b> (whsec_…) into this node\'s credential. Anon has no API for endpoints, so n8n cannot register the URL for you.',
		name: 'setupNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Events',
		name: 'events',
		type: 'multiOptions',
		required: true,
		default: [ALL_EVENTS],
		description:
			'Event types that start the workflow. Other verified events are acknowledged and ignored. To follow types not listed yet (or wildcards such as job_run.*), use Options → Additional Event Types.',
		options: [
			{ name: 'All Events', value: ALL_EVENTS, description: 'Every event Anon sends, including future types' },
			// The type as Anon names it ends each description: it is what Additional Event Types takes.
			...ANON_EVENT_TYPES.map(({ name, value, description }) => ({ name, value, description: `${description} (${value})` })),
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Acknowledge',
				name: 'acknowledge',
				type: 'options',
				default: 'onReceived',
				description: 'When n8n answers Anon that the event arrived. Anon retries an event it got no 2xx answer for twice (exponential back-off), then marks it failed.',
				options: [
					{
						name: 'When Received',
						value: 'onReceived',
						description:
							'As soon as the execution is created: fastest. If the workflow then fails, Anon is not asked to send the event again.',
					},
					{
						name: 'When the Workflow Finishes',
						value: 'lastNode',
						description:
							'Only once the workflow has run without error: a failed execution, or an n8n that stops mid-run, leaves the event unacknowledged and Anon sends it again, up to its two retries. A workflow that keeps failing runs once per attempt; a run longer than the sender waits (15 seconds by default) is acknowledged late but still runs once.',
					},
				],
			},
			{
				displayName: 'Additional Event Types',
				name: 'additionalEvents',
				type: 'string',
				default: '',
				placeholder: 'e.g. job_run.*, link.expired',
				description:
					'Comma-separated event types to accept as well as the ones selected above. A * matches any characters, so job_run.* follows every job run event, including ones Anon adds later.',
			},
			{
				displayName: 'Headers to Show',
				name: 'headersToShow',
				type: 'string',
				default: '',
				placeholder: 'e.g. x-tenant, x-region',
				description:
					"Comma-separated custom headers whose values Include Delivery Details shows. Every other header's value is stored as [redacted]. A value that looks like a credential (Bearer …, Basic …, a JWT, …) and the authorization, proxy-authorization, cookie, set-cookie, x-api-key and api-key headers stay redacted even when named.",
			},
			{
				displayName: 'Ignore Test Job Runs',
				name: 'ignoreTestJobRuns',
				type: 'boolean',
				default: false,
				description: 'Whether to acknowledge and ignore job_run.* events whose job run is marked isTest',
			},
			{
				displayName: 'Include Delivery Details',
				name: 'includeDelivery',
				type: 'boolean',
				default: false,
				description:
					"Whether to add a delivery field with the Svix message ID, signature timestamp, receive time and the request's custom headers (those added on the endpoint's Advanced tab in Anon's dashboard, or by a proxy). Header values are [redacted] unless named in Headers to Show.",
			},
			{
				displayName: 'Output',
				name: 'output',
				type: 'options',
				default: 'flat',
				options: [
					{
						name: 'Resource Fields at Top Level',
						value: 'flat',
						description:
							'The link, job run or workflow run fields (status, ID, external_id, …) and error_message at the top level; the envelope (event ID, type, created) under event',
					},
					{
						name: 'Event as Sent',
						value: 'envelope',
						description: "Anon's event exactly as delivered, with the resource under data.object",
					},
				],
			},
			{
				displayName: 'Redelivery Window (Minutes)',
				name: 'redeliveryWindowMinutes',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: DEFAULT_REDELIVERY_WINDOW_MINUTES,
				description:
					'For how long a redelivery of an event this node already accepted (same svix-ID) is acknowledged without running the workflow again. Remembered in memory by this n8n process; 0 turns it off (a copy of the same signed request still never runs twice).',
			},
			{
				displayName: 'Timestamp Tolerance (Seconds)',
				name: 'toleranceSeconds',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: DEFAULT_TOLERANCE_SECONDS,
				description:
					'Requests whose signature timestamp is further than this from the n8n server clock are refused, which stops replays of captured requests',
			},
		],
	},
];
