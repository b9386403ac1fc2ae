/**
 * The item the trigger emits for a verified delivery: the event in the shape the Output option
 * asks for, with the node's own fields (`event`, `schema_issues`, `delivery`) added without ever
 * overwriting Anon's data.
 */
import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { isRecord, type Json } from '../shared/json';
import { quoted } from '../shared/text';
import { acceptedBody } from './answers';
import { deliveryHeaders } from './deliveryHeaders';
import { schemaIssues } from './eventCatalog';
import type { SelectedBody } from './eventFilter';
import type { OutputShape } from './options';

export interface EmitOptions {
	output: OutputShape;
	includeDelivery: boolean;
	headersToShow: string;
}

/**
 * The last step: hands the event to n8n, one item, with the 200 `accepted` answer. A schema
 * mismatch is reported on the item (`schema_issues`) and logged, never dropped.
 */
export function emit(
	context: IWebhookFunctions,
	body: SelectedBody,
	delivery: { id: string; timestamp: number; version: 'v1' | 'v1a' },
	options: EmitOptions,
): IWebhookResponseData {
	const item = emittedItem(context, body, options.output);
	if (options.includeDelivery) {
		addField(item, 'delivery', {
			id: delivery.id,
			timestamp: new Date(delivery.timestamp * 1000).toISOString(),
			received_at: new Date().toISOString(),
			signature_version: delivery.version,
			headers: deliveryHeaders(context.getRequestObject().headers, options.headersToShow),
		});
	}
	const eventId = body.kind === 'event' ? quoted(body.body.id) : 'payload';
	return {
		workflowData: [[{ json: item }]],
		webhookResponse: acceptedBody(eventId),
	};
}

function emittedItem(context: IWebhookFunctions, body: SelectedBody, output: OutputShape): IDataObject {
	if (body.kind === 'unrecognised') {
		context.logger.warn(`Anon Trigger: verified payload is not an Anon event; emitted anyway. ${body.problem}`);
		const item = isRecord(body.body) ? { ...body.body } : { body: body.body };
		addField(item, 'schema_issues', [body.problem]);
		return item as IDataObject;
	}
	// Flat output is laid out once: the item and the renames it made come from the same layout.
	const flat = output === 'flat' ? flatItem(body.body) : undefined;
	const item = (flat?.item ?? eventItem(body.body, output)) as IDataObject;
	const issues = [...schemaIssues(body.type, body.body), ...(flat ? collisionIssues(body.body, flat.fields) : [])];
	if (issues.length > 0) {
		addField(item, 'schema_issues', issues);
		context.logger.warn(
			`Anon Trigger: event ${quoted(body.body.id)} (${quoted(body.type)}) does not match Anon's documented schema; emitted anyway. ${issues.join('; ')}`,
		);
	}
	return item;
}

/**
 * The emitted item. `flat` (default) puts the resource's own fields at the top level, next
 * to the rest of `data` (`error_message`), with the envelope under `event` (`_event` if Anon's
 * data has a field named `event`, see addField):
 * `{{ $json.status }}`, `{{ $json.error_message }}`, `{{ $json.event.type }}`.
 * The resource's fields win: a field of `data` with a name the resource uses gets underscores
 * in front as addField does (`data.id` → `_id`; see collisionIssues). `envelope` emits the body
 * exactly as Anon sent it.
 */
export function eventItem(body: Json, shape: OutputShape): Json {
	return shape === 'envelope' ? { ...body } : flatItem(body).item;
}

/** The flat item and the layout of `data`'s fields it was built from. */
function flatItem(body: Json): { item: Json; fields: FlatField[] } {
	const { data, ...envelope } = body;
	const { resource, fields } = flatLayout(data);
	const item = { ...resource };
	for (const field of fields) setOwnField(item, field.emittedAs, field.value);
	addField(item, 'event', envelope);
	return { item, fields };
}

/**
 * One schema issue per field of `data` that flat output renames because the resource has a
 * field of that name, e.g. `data.id collides with the workflow_run's own "id"; emitted as "_id"`.
 * For tests only: the same renames and words eventItem's `schema_issues` carry, for a body
 * alone (through the node, a test would need a signed request per body).
 */
export function flatCollisionsForTests(body: Json): string[] {
	return collisionIssues(body, flatLayout(body.data).fields);
}

function collisionIssues(body: Json, fields: FlatField[]): string[] {
	const resource = typeof body.type === 'string' && body.type !== '' ? quoted(body.type.split('.')[0], 40) : 'resource';
	return fields
		.filter((field) => field.emittedAs !== field.name)
		.map((field) => {
			const name = quoted(field.name);
			return `data.${name} collides with the ${resource}'s own "${name}"; emitted as "${quoted(field.emittedAs)}"`;
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
function setOwnField(item: Json, name: string, value: unknown): void {
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
	setOwnField(item, free, value);
	return free;
}
