/** The Anon Trigger's editor parameters (Events, Additional Event Types, Options) and its webhook description. */
import type { INodeProperties, IWebhookDescription } from 'n8n-workflow';

import { ANON_EVENT_TYPES } from './eventCatalog';
import { ALL_EVENTS } from './eventFilter';
import { optionProperties } from './options';

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
		// dashboard shows response bodies under Message Attempts).
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
		options: optionProperties,
	},
];
