/**
 * Anon's event catalog and schemas: the event types the trigger offers, and what each carries.
 *
 * `zod` resolves to n8n's own copy at runtime (n8n puts its modules on NODE_PATH), so the
 * package ships without dependencies. Schemas validate; they never reshape: every field is
 * kept exactly as Anon sent it and unknown fields pass through.
 */
import { z } from 'zod';

import { isRecord, type Json } from '../shared/json';

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

function formatIssue(base: Array<string | number>) {
	return (issue: z.ZodIssue) => `${[...base, ...issue.path].join('.') || '(body)'}: ${issue.message}`;
}
