import type { INodeProperties } from 'n8n-workflow';

import { ALL_EVENTS, ANON_EVENT_TYPES, type OutputShape } from './events';
import { DEFAULT_TOLERANCE_SECONDS } from './verifySignature';

export interface TriggerOptions {
	additionalEvents?: string;
	headersToShow?: string;
	ignoreTestJobRuns?: boolean;
	includeDelivery?: boolean;
	output?: OutputShape;
	redeliveryWindowMinutes?: number;
	toleranceSeconds?: number;
}

export const DEFAULT_REDELIVERY_WINDOW_MINUTES = 60;

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
					'For how long a redelivery of an event this node already accepted (same svix-ID) is acknowledged without running the workflow again. Remembered in memory by this n8n process; 0 turns it off.',
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
