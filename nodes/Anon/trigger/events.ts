/**
 * Anon's event catalog and schemas, and the item the trigger emits for an event.
 *
 * `zod` resolves to n8n's own copy at runtime (n8n puts its modules on NODE_PATH), so the
 * package ships without dependencies. Schemas validate; they never reshape: every field is
 * kept exactly as Anon sent it and unknown fields pass through.
 */
import { z } from 'zod';

export const ALL_EVENTS = '*';

/**
 * The event types Anon documents, in the order the editor lists them. `name` is what the
 * editor shows; `value` is Anon's event type, which saved workflows and the filter use.
 */
export const ANON_EVENT_TYPES = [
	{ name: 'Link Opened', value: 'link.opened', description: "An end user opened a link (entered Anon's browser)" },
	{ name: 'Link Closed', value: 'link.closed', description: 'A link was closed by the end user, or expired' },
	{ name: 'Job Run Completed', value: 'job_run.completed', description: 'A job run finished all its workflows' },
	{ name: 'Job Run Failed', value: 'job_run.failed', description: 'A job run failed; carries error_message' },
	{ name: 'Workflow Run Completed', value: 'workflow_run.completed', description: 'A workflow run completed' },
	{ name: 'Workflow Run Failed', value: 'workflow_run.failed', description: 'A workflow run failed; carries error_message' },
] as const;

const timestamp = z.string().datetime({ offset: true });

export const linkSchema = z
	.object({
		id: z.string().min(1),
		external_id: z.string(),
		job_id: z.string().min(1),
		link_url: z.string().url(),
		expires_at: timestamp,
		created_at: timestamp,
		opened_at: timestamp.nullish(),
		closed_at: timestamp.nullish(),
	})
	.passthrough();

export const jobRunSchema = z
	.object({
		id: z.string().min(1),
		jobId: z.string().min(1),
		status: z.enum(['PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED']),
		completedAt: timestamp.nullish(),
		createdAt: timestamp,
		updatedAt: timestamp,
		createdByUserId: z.string().nullish(),
		organizationId: z.string().optional(),
		isTest: z.boolean(),
		jobConfigJsonSnapshot: z
			.object({ workflowExecutionOrder: z.array(z.string()) })
			.passthrough()
			.optional(),
	})
	.passthrough();

export const workflowRunSchema = z
	.object({
		id: z.string().min(1),
		workflowId: z.string().min(1),
		status: z.enum([
			'PENDING',
			'IN_PROGRESS',
			'COMPLETED',
			'FAILED',
			'AWAITING_USER_INPUT',
			'COMPLETED_WITH_NO_ACTION_TAKEN',
		]),
		completedAt: timestamp.nullish(),
		createdAt: timestamp,
		updatedAt: timestamp,
		createdByUserId: z.string().nullish(),
		jobRunId: z.string().min(1),
		currentStateName: z.string().nullish(),
	})
	.passthrough();

/**
 * Resource schema by the event type's prefix (`link.closed` → link). A Map, not an object
 * literal: a type such as `constructor.x` must not find Object.prototype's members.
 */
const RESOURCE_SCHEMAS = new Map<string, z.ZodTypeAny>([
	['link', linkSchema],
	['job_run', jobRunSchema],
	['workflow_run', workflowRunSchema],
]);

/** The schema of the resource an event type carries in `data.object`, by its prefix. */
export function resourceSchema(type: string): z.ZodTypeAny | undefined {
	return RESOURCE_SCHEMAS.get(type.split('.')[0]);
}

export const anonEventSchema = z
	.object({
		id: z.string().min(1),
		object: z.literal('event'),
		created: timestamp,
		type: z.string().min(1),
		data: z.object({ object: z.record(z.unknown()), error_message: z.string().optional() }).passthrough(),
	})
	.passthrough();

type Json = Record<string, unknown>;

export type ClassifiedBody =
	| { kind: 'ping' }
	| { kind: 'event'; type: string; body: Json }
	/** Authentic but not an Anon event envelope (not JSON, or no string `type`). */
	| { kind: 'unrecognised'; body: unknown; problem: string };

export const isRecord = (value: unknown): value is Json =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

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

/** Human-readable schema mismatches, e.g. `data.object.status: Invalid enum value…`. */
export function schemaIssues(type: string, body: Json): string[] {
	const issues: string[] = [];
	const envelope = anonEventSchema.safeParse(body);
	if (!envelope.success) issues.push(...envelope.error.issues.map(formatIssue([])));

	const resource = resourceSchema(type);
	const data = body.data;
	if (resource && isRecord(data) && isRecord(data.object)) {
		const parsed = resource.safeParse(data.object);
		if (!parsed.success) issues.push(...parsed.error.issues.map(formatIssue(['data', 'object'])));
	}
	return issues;
}

/**
 * Any JSON value from a verified body, as short text for a message or a log line. Never
 * throws: `String(x)` and template literals do for an object such as `{"toString":1}`.
 */
export function shownValue(value: unknown, max = 100): string {
	let text: string;
	if (typeof value === 'string') text = value;
	else {
		try {
			text = JSON.stringify(value) ?? typeof value;
		} catch {
			text = typeof value;
		}
	}
	return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function formatIssue(base: Array<string | number>) {
	return (issue: z.ZodIssue) => `${[...base, ...issue.path].join('.') || '(body)'}: ${issue.message}`;
}

export type OutputShape = 'flat' | 'envelope';

/**
 * The emitted item. `flat` (default) puts the resource's own fields at the top level, next
 * to the rest of `data` (`error_message`), with the envelope under `event` (`_event` if Anon's
 * data has a field named `event`, see addField):
 * `{{ $json.status }}`, `{{ $json.error_message }}`, `{{ $json.event.type }}`.
 * The resource's fields win: a field of `data` with a name the resource uses gets underscores
 * in front as addField does (`data.id` → `_id`; see flatCollisions). `envelope` emits the body
 * exactly as Anon sent it.
 */
export function eventItem(body: Json, shape: OutputShape): Json {
	if (shape === 'envelope') return { ...body };
	const { data, ...envelope } = body;
	const { resource, fields } = flatLayout(data);
	const item = { ...resource };
	for (const field of fields) define(item, field.emittedAs, field.value);
	addField(item, 'event', envelope);
	return item;
}

/**
 * One schema issue per field of `data` that flat output renames because the resource has a
 * field of that name, e.g. `data.id collides with the workflow_run's own "id"; emitted as "_id"`.
 * Pure: the same renames eventItem makes, for the item's `schema_issues`.
 */
export function flatCollisions(body: Json): string[] {
	const resource = typeof body.type === 'string' && body.type !== '' ? shownValue(body.type.split('.')[0], 40) : 'resource';
	return flatLayout(body.data)
		.fields.filter((field) => field.emittedAs !== field.name)
		.map((field) => {
			const name = shownValue(field.name);
			return `data.${name} collides with the ${resource}'s own "${name}"; emitted as "${shownValue(field.emittedAs)}"`;
		});
}

interface FlatField {
	name: string;
	emittedAs: string;
	value: unknown;
}

/** `data.object`'s fields, and the rest of `data` with the names flat output gives them. */
function flatLayout(data: unknown): { resource: Json; fields: FlatField[] } {
	const { object, ...rest } = isRecord(data) ? data : { object: data };
	const resource = isRecord(object) ? object : object === undefined ? {} : { object };
	const taken = new Set([...Object.keys(resource), ...Object.keys(rest)]);
	const fields = Object.entries(rest).map(([name, value]): FlatField => {
		let emittedAs = name;
		if (Object.prototype.hasOwnProperty.call(resource, name)) {
			while (taken.has(emittedAs)) emittedAs = `_${emittedAs}`;
			taken.add(emittedAs);
		}
		return { name, emittedAs, value };
	});
	return { resource, fields };
}

/** Sets an own field, even one named `__proto__`. */
function define(item: Json, name: string, value: unknown): void {
	Object.defineProperty(item, name, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Adds a field of the node's own (`event`, `schema_issues`, `delivery`) to an item without
 * touching Anon's data: if the item already has a field of that name, the node's gets an
 * underscore in front (`_event`; `__event` if that is taken too, and so on). Returns the name used.
 */
export function addField(item: Json, name: string, value: unknown): string {
	let free = name;
	while (Object.prototype.hasOwnProperty.call(item, free)) free = `_${free}`;
	define(item, free, value);
	return free;
}
