/**
 * The trigger's options, each defined once: what the editor shows (label, default, property),
 * and the check a value must pass before anything uses it. description.ts lists the properties,
 * checkParameters() checks what n8n hands over and fills in the defaults, and the node's second
 * step (nodeParameters) reads that.
 *
 * n8n type-checks a collection option only if its description sets `validateType` (n8n-core,
 * validate-value-against-schema), so an option set by an expression reaches the node as
 * whatever the expression returned: `{{ "abc" }}` is the text "abc", `{{ 300 }}` the number
 * 300. Used as they are, "abc" would make both timestamp comparisons false and accept any
 * signature age. Every value of the wrong type or out of range therefore fails closed: the
 * request is refused, nothing runs, and the message says which option and what it accepts.
 *
 * Pure but for nodeParameters, which reads the node's parameters. A message never quotes the
 * value (an expression may return anything).
 */
import type { INodeProperties, IWebhookFunctions } from 'n8n-workflow';

import { invalidOption, Stop } from './answers';
import { MAX_TOLERANCE_SECONDS } from './redeliveryGuard';
import { DEFAULT_TOLERANCE_SECONDS } from './verifySignature';

/** When n8n answers Anon: n8n's webhook response modes `onReceived` and `lastNode`. */
export type Acknowledge = 'onReceived' | 'lastNode';
/** The Output option: the resource's fields at the top level, or the event as sent. */
export type OutputShape = 'flat' | 'envelope';

interface Definition<T> {
	label: string;
	default: T;
	/** What a value must be, for the message that refuses another. */
	wants: string;
	ok: (value: unknown) => boolean;
	/** The rest of the editor's property: type, description, choices. */
	property: Omit<INodeProperties, 'displayName' | 'name' | 'default'>;
}

const defineOption = <T>(definition: Definition<T>): Definition<T> => definition;
const isNumberIn = (minimum: number, maximum = Infinity) => (value: unknown) =>
	typeof value === 'number' && Number.isFinite(value) && value >= minimum && value <= maximum;
const isText = (value: unknown) => typeof value === 'string';
const isBoolean = (value: unknown) => typeof value === 'boolean';

/** In the editor's order (alphabetical by label, as n8n's lint wants). */
export const TRIGGER_OPTIONS = {
	acknowledge: defineOption<Acknowledge>({
		label: 'Acknowledge',
		default: 'onReceived',
		wants: '"onReceived" (When Received) or "lastNode" (When the Workflow Finishes)',
		ok: (value) => value === 'onReceived' || value === 'lastNode',
		property: {
			type: 'options',
			description: 'When n8n answers Anon that the event arrived. Anon retries an event it got no 2xx answer for twice (exponential back-off), then marks it failed.',
			options: [
				{
					name: 'When Received',
					value: 'onReceived',
					description: 'As soon as the execution is created: fastest. If the workflow then fails, Anon is not asked to send the event again.',
				},
				{
					name: 'When the Workflow Finishes',
					value: 'lastNode',
					description:
						'Only once the workflow has run without error: a failed execution, or an n8n that stops mid-run, leaves the event unacknowledged and Anon sends it again, up to its two retries. A workflow that keeps failing runs once per attempt; a run longer than the sender waits (Anon publishes no timeout; Svix\'s default is 15 seconds) is acknowledged late but still runs once.',
				},
			],
		},
	}),
	additionalEvents: defineOption<string>({
		label: 'Additional Event Types',
		default: '',
		wants: 'text: event types separated by commas',
		ok: isText,
		property: {
			type: 'string',
			placeholder: 'e.g. job_run.*, future_thing.happened',
			description:
				'Comma-separated event types to accept as well as the ones selected above. A * matches any characters, so job_run.* follows every job run event, including ones Anon adds later.',
		},
	}),
	headersToShow: defineOption<string>({
		label: 'Headers to Show',
		default: '',
		wants: 'text: header names separated by commas',
		ok: isText,
		property: {
			type: 'string',
			placeholder: 'e.g. x-tenant, x-region',
			description:
				"Comma-separated custom headers whose values Include Delivery Details shows. Every other header's value is stored as [redacted]. A value that looks like a credential (Bearer …, Basic …, a JWT, a well-known key format such as sk-…, npm_…, SG.…) and the authorization, proxy-authorization, cookie, set-cookie, x-api-key and api-key headers stay redacted even when named.",
		},
	}),
	ignoreTestJobRuns: defineOption<boolean>({
		label: 'Ignore Test Job Runs',
		default: false,
		wants: 'true or false',
		ok: isBoolean,
		property: { type: 'boolean', description: 'Whether to acknowledge and ignore job_run.* events whose job run is marked isTest' },
	}),
	includeDelivery: defineOption<boolean>({
		label: 'Include Delivery Details',
		default: false,
		wants: 'true or false',
		ok: isBoolean,
		property: {
			type: 'boolean',
			description:
				"Whether to add a delivery field with the Svix message ID, signature timestamp, receive time and the request's custom headers (those added on the endpoint's Advanced tab in Anon's dashboard, or by a proxy). Header values are [redacted] unless named in Headers to Show.",
		},
	}),
	output: defineOption<OutputShape>({
		label: 'Output',
		default: 'flat',
		wants: '"flat" (Resource Fields at Top Level) or "envelope" (Event as Sent)',
		ok: (value) => value === 'flat' || value === 'envelope',
		property: {
			type: 'options',
			options: [
				{
					name: 'Resource Fields at Top Level',
					value: 'flat',
					description:
						'The link, job run or workflow run fields (status, ID, external_id, …) and error_message at the top level; the envelope (event ID, type, created) under event',
				},
				{ name: 'Event as Sent', value: 'envelope', description: "Anon's event exactly as delivered, with the resource under data.object" },
			],
		},
	}),
	redeliveryWindowMinutes: defineOption<number>({
		label: 'Redelivery Window (Minutes)',
		default: 60,
		wants: 'a number of minutes, 0 or more (0 turns it off)',
		ok: isNumberIn(0),
		property: {
			type: 'number',
			typeOptions: { minValue: 0 },
			description:
				'For how long a redelivery of an event this node already accepted (same svix-ID) is acknowledged without running the workflow again. Remembered in memory by this n8n process; 0 turns it off (a copy of the same signed request still never runs twice).',
		},
	}),
	toleranceSeconds: defineOption<number>({
		label: 'Timestamp Tolerance (Seconds)',
		default: DEFAULT_TOLERANCE_SECONDS,
		wants: `a number of seconds, at least 1 and at most ${MAX_TOLERANCE_SECONDS}`,
		ok: isNumberIn(1, MAX_TOLERANCE_SECONDS),
		property: {
			type: 'number',
			typeOptions: { minValue: 1, maxValue: MAX_TOLERANCE_SECONDS },
			description: `Requests whose signature timestamp is further than this from the n8n server clock are refused, which stops replays of captured requests (at most ${MAX_TOLERANCE_SECONDS}: every signed request is remembered that long)`,
		},
	}),
};

export type OptionName = keyof typeof TRIGGER_OPTIONS;
/** The options with every default filled in. */
export type TriggerOptions = { [N in OptionName]: (typeof TRIGGER_OPTIONS)[N]['default'] };

/** The Options collection's entries, for the node's description. */
export const optionProperties: INodeProperties[] = Object.entries(TRIGGER_OPTIONS).map(([name, option]) => ({
	displayName: option.label,
	name,
	default: option.default,
	...option.property,
}));

export interface InvalidOption {
	/** The parameter's internal name (`toleranceSeconds`, `events`, …). */
	option: string;
	message: string;
}

export type CheckedParameters = { ok: true; options: TriggerOptions; events: string[] } | { ok: false; invalid: InvalidOption };

const FIX = "Open the Anon Trigger's options and enter a valid value, or make the expression return one. Until then every request is refused and no workflow runs.";

/**
 * Checks the Options collection (`options`) and the Events parameter (`events`) as n8n handed
 * them over, and fills in the defaults. An option that is not set takes its default; one that
 * is set must be of its type and in range, else the first that is not is returned.
 */
export function checkParameters(options: unknown, events: unknown): CheckedParameters {
	if (typeof options !== 'object' || options === null || Array.isArray(options)) {
		return refuse('options', 'Options', 'a set of options', options);
	}
	if (!Array.isArray(events) || !events.every((event) => typeof event === 'string')) {
		return refuse('events', 'Events', 'a list of event types (pick them in the list, or make the expression return a list such as ["link.opened"])', events);
	}
	const read: Record<string, unknown> = {};
	for (const [name, option] of Object.entries(TRIGGER_OPTIONS) as Array<[OptionName, Definition<unknown>]>) {
		const value = Object.prototype.hasOwnProperty.call(options, name) ? (options as Record<string, unknown>)[name] : undefined;
		if (value === undefined) read[name] = option.default;
		else if (option.ok(value)) read[name] = value;
		else return refuse(name, option.label, `${option.wants} (default ${JSON.stringify(option.default)})`, value);
	}
	return { ok: true, options: read as TriggerOptions, events: events as string[] };
}

/** What a value is, without quoting it. */
function describeValue(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'a list';
	if (typeof value === 'number') {
		if (Number.isNaN(value)) return 'NaN';
		if (!Number.isFinite(value)) return 'an infinite number';
		return 'a number out of range';
	}
	if (typeof value === 'string') return /^\s*-?\d/.test(value) ? 'text that looks like a number' : 'text';
	if (typeof value === 'object') return 'an object';
	return `a ${typeof value}`;
}

function refuse(option: string, label: string, wants: string, value: unknown): CheckedParameters {
	return {
		ok: false,
		invalid: { option, message: `This Anon Trigger's option "${label}" (${option}) is ${describeValue(value)}; it must be ${wants}. ${FIX}` },
	};
}

/**
 * The second step: the Events and Options parameters as n8n hands them over (an expression may
 * return anything), checked, with the defaults filled in; else a 500 stop (invalid_option).
 */
export function nodeParameters(context: IWebhookFunctions): { options: TriggerOptions; events: string[] } {
	const checked = checkParameters(context.getNodeParameter('options', {}), context.getNodeParameter('events', []));
	if (!checked.ok) throw new Stop(invalidOption(checked.invalid.message, context.getNode().id));
	return checked;
}
