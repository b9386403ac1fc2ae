/**
 * Which verified deliveries run the workflow: the body sorted into ping, Anon event or
 * something else, and the event types the node selects (Events, Additional Event Types, Ignore
 * Test Job Runs).
 */
import { isRecord, type Json } from '../shared/json';
import { eventTypeNotSelected, notAnEvent, ping, Stop, testJobRun } from './answers';

export const ALL_EVENTS = '*';

export type ClassifiedBody =
	| { kind: 'ping' }
	| { kind: 'event'; type: string; body: Json }
	/** Authentic but not an Anon event envelope (not JSON, or no string `type`). */
	| { kind: 'unrecognised'; body: unknown; problem: string };

/** Sorts a verified body into ping, event, or something else, from the verified bytes. */
export function classifyBody(rawBody: Buffer): ClassifiedBody {
	let body: unknown;
	try {
		body = JSON.parse(rawBody.toString('utf8').replace(/^\uFEFF/, ''));
	} catch {
		return { kind: 'unrecognised', body: rawBody.toString('utf8'), problem: 'The body is not JSON.' };
	}
	if (!isRecord(body)) {
		return { kind: 'unrecognised', body, problem: 'The body is not a JSON object.' };
	}
	// The dashboard's "Send test" ping is exactly `{"success": true}`: no envelope, no type.
	// Any other body is data, even with `success: true` in it.
	if (body.type === 'svix.ping' || isSvixPing(body)) return { kind: 'ping' };
	if (typeof body.type !== 'string' || body.type === '') {
		return { kind: 'unrecognised', body, problem: 'The body has no event "type".' };
	}
	return { kind: 'event', type: body.type, body };
}

function isSvixPing(body: Json): boolean {
	const keys = Object.keys(body);
	return keys.length === 1 && keys[0] === 'success' && body.success === true;
}

/**
 * Compiles the selected event types into a predicate. `*` matches every type; a `*` inside
 * a pattern matches any run of characters (`job_run.*`, `*.failed`); anything else is exact,
 * so event types Anon adds later can be named before this node lists them.
 */
export function compileEventFilter(patterns: string[]): (type: string) => boolean {
	const cleaned = patterns.map((p) => p.trim()).filter((p) => p !== '');
	if (cleaned.includes(ALL_EVENTS)) return () => true;
	const exact = new Set(cleaned.filter((p) => !p.includes('*')));
	const wildcards = cleaned
		.filter((p) => p.includes('*'))
		.map((p) => new RegExp(`^${p.split('*').map(escapeRegExp).join('.*')}$`));
	return (type) => exact.has(type) || wildcards.some((re) => re.test(type));
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Splits a comma- or newline-separated list of event types. */
export function splitEventList(text: string): string[] {
	return text
		.split(/[,\n]/)
		.map((p) => p.trim())
		.filter((p) => p !== '');
}

/** A job run Anon marks as a test (`isTest: true`), which *Ignore Test Job Runs* skips. */
export function isTestJobRun(type: string, body: Json): boolean {
	const data = body.data as { object?: { isTest?: unknown } } | undefined;
	return type.startsWith('job_run.') && data?.object?.isTest === true;
}

/** A body the node runs the workflow for. */
export type SelectedBody = Exclude<ClassifiedBody, { kind: 'ping' }>;

/**
 * The verified body if the node runs the workflow for it, else a 200 `ignored` stop that says
 * why: a ping, an event type not selected (Events and Additional Event Types), a test job run
 * with *Ignore Test Job Runs*, or a payload that is no Anon event unless "All Events".
 */
export function selectEvent(rawBody: Buffer, events: string[], options: { additionalEvents: string; ignoreTestJobRuns: boolean }): SelectedBody {
	const body = classifyBody(rawBody);
	if (body.kind === 'ping') throw new Stop(ping());
	const selected = [...events, ...splitEventList(options.additionalEvents)];
	if (body.kind === 'unrecognised') {
		if (selected.includes(ALL_EVENTS)) return body;
		throw new Stop(notAnEvent(body.problem));
	}
	if (!compileEventFilter(selected)(body.type)) throw new Stop(eventTypeNotSelected(body.type));
	if (options.ignoreTestJobRuns && isTestJobRun(body.type, body.body)) throw new Stop(testJobRun());
	return body;
}
