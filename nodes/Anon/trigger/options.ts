/**
 * Checks the trigger's parameters before anything else uses them.
 *
 * n8n type-checks a collection option only if its description sets `validateType` (n8n-core,
 * validate-value-against-schema), so an option set by an expression reaches the node as
 * whatever the expression returned: `{{ "abc" }}` is the text "abc", `{{ 300 }}` the number
 * 300. Used as they are, "abc" would make both timestamp comparisons false and accept any
 * signature age. Every value of the wrong type or out of range therefore fails closed: the
 * request is refused, nothing runs, and the message says which option and what it accepts.
 *
 * Pure: no n8n calls. The message never quotes the value (an expression may return anything).
 */

export interface InvalidOption {
	/** The parameter's internal name (`toleranceSeconds`, `events`, …). */
	option: string;
	message: string;
}

const FIX = "Open the Anon Trigger's options and enter a valid value, or make the expression return one. Until then every request is refused and no workflow runs.";

type Check = { label: string; wants: string; ok: (value: unknown) => boolean };

const isNumberAtLeast = (minimum: number) => (value: unknown) =>
	typeof value === 'number' && Number.isFinite(value) && value >= minimum;

/** The options this file knows; any other option is left to the code that reads it. */
const CHECKS: Record<string, Check> = {
	toleranceSeconds: {
		label: 'Timestamp Tolerance (Seconds)',
		wants: 'a number of seconds, at least 1 (default 300)',
		ok: isNumberAtLeast(1),
	},
	redeliveryWindowMinutes: {
		label: 'Redelivery Window (Minutes)',
		wants: 'a number of minutes, 0 or more (default 60; 0 turns it off)',
		ok: isNumberAtLeast(0),
	},
	acknowledge: {
		label: 'Acknowledge',
		wants: '"onReceived" (When Received) or "lastNode" (When the Workflow Finishes)',
		ok: (value) => value === 'onReceived' || value === 'lastNode',
	},
	additionalEvents: {
		label: 'Additional Event Types',
		wants: 'text: event types separated by commas',
		ok: (value) => typeof value === 'string',
	},
	headersToShow: {
		label: 'Headers to Show',
		wants: 'text: header names separated by commas',
		ok: (value) => typeof value === 'string',
	},
	ignoreTestJobRuns: { label: 'Ignore Test Job Runs', wants: 'true or false', ok: (value) => typeof value === 'boolean' },
	includeDelivery: { label: 'Include Delivery Details', wants: 'true or false', ok: (value) => typeof value === 'boolean' },
	output: {
		label: 'Output',
		wants: '"flat" (Resource Fields at Top Level) or "envelope" (Event as Sent)',
		ok: (value) => value === 'flat' || value === 'envelope',
	},
};

/** What a value is, without quoting it. */
function kind(value: unknown): string {
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

function invalid(option: string, label: string, wants: string, value: unknown): InvalidOption {
	return {
		option,
		message: `This Anon Trigger's option "${label}" (${option}) is ${kind(value)}; it must be ${wants}. ${FIX}`,
	};
}

/**
 * The first parameter n8n handed over that the trigger cannot use safely, or `undefined`.
 * `options` is the Options collection, `events` the Events parameter. An option that is not
 * set is fine (its default applies); one that is set must be of its type and in range.
 */
export function invalidOption(options: unknown, events: unknown): InvalidOption | undefined {
	if (typeof options !== 'object' || options === null || Array.isArray(options)) {
		return invalid('options', 'Options', 'a set of options', options);
	}
	if (!Array.isArray(events) || !events.every((event) => typeof event === 'string')) {
		return invalid('events', 'Events', 'a list of event types (pick them in the list, or make the expression return a list such as ["link.opened"])', events);
	}
	for (const [option, check] of Object.entries(CHECKS)) {
		if (!Object.prototype.hasOwnProperty.call(options, option)) continue;
		const value = (options as Record<string, unknown>)[option];
		if (value === undefined) continue;
		if (!check.ok(value)) return invalid(option, check.label, check.wants, value);
	}
	return undefined;
}
