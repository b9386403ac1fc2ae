/** The Anon node's parameters read and checked before any request: IDs, lists of IDs, external IDs. */
import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { quoted } from '../shared/text';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** How an ID looks, for error messages (Anon's own example ID). */
export const EXAMPLE_UUID = '550e8400-e29b-41d4-a716-446655440000';

/**
 * Reads one UUID parameter. Checked here rather than left to Anon, so a mapping mistake
 * (wrong field, an object instead of its ID) says which field is wrong before any request.
 */
export function uuidParameter(
	this: IExecuteFunctions,
	name: string,
	label: string,
	itemIndex: number,
	hint: string,
): string {
	const value = this.getNodeParameter(name, itemIndex, '') as unknown;
	const id = typeof value === 'string' ? value.trim() : value;
	if (id === '' || id === undefined || id === null) {
		throw new NodeOperationError(this.getNode(), `${label} is empty`, {
			itemIndex,
			description: `Enter the ID, or map it with an expression: ${hint}`,
		});
	}
	if (typeof id !== 'string' || !UUID.test(id)) {
		throw new NodeOperationError(this.getNode(), `${label} "${quoted(value, 60)}" is not a UUID`, {
			itemIndex,
			description: `Anon IDs look like ${EXAMPLE_UUID}. ${hint}`,
		});
	}
	return id;
}

/**
 * Anon's link endpoints take `job_id: uuid[]`, while a link event carries one `job_id`
 * string. Accept one ID, a comma- or space-separated list, a JSON array text or an
 * array (what an expression may return), and always send an array.
 */
export function jobIdsParameter(this: IExecuteFunctions, itemIndex: number): string[] {
	const value = this.getNodeParameter('jobIds', itemIndex, '') as unknown;
	let candidates: unknown[];
	if (Array.isArray(value)) {
		candidates = value;
	} else if (typeof value === 'string' && value.trim().startsWith('[')) {
		candidates = parseJsonArray(value) ?? [value];
	} else if (typeof value === 'string') {
		candidates = value.split(/[\s,]+/);
	} else {
		candidates = [value];
	}
	const ids = candidates.map((c) => (typeof c === 'string' ? c.trim() : c)).filter((c) => c !== '');
	if (ids.length === 0) {
		throw new NodeOperationError(this.getNode(), 'Job IDs is empty', {
			itemIndex,
			description:
				'Enter at least one job ID, or map it: from an Anon Trigger link event use {{ $json.job_id }}.',
		});
	}
	const invalid = ids.find((id) => typeof id !== 'string' || !UUID.test(id));
	if (invalid !== undefined) {
		throw new NodeOperationError(this.getNode(), `Job IDs contains "${quoted(invalid, 60)}", which is not a UUID`, {
			itemIndex,
			description: `Anon job IDs look like ${EXAMPLE_UUID}; separate several with commas. From an Anon Trigger link event use {{ $json.job_id }}.`,
		});
	}
	return ids as string[];
}

/** The end user's ID in your system, as Anon stores it on the link (a non-empty string). */
export function externalIdParameter(this: IExecuteFunctions, itemIndex: number): string {
	const value = this.getNodeParameter('externalId', itemIndex, '') as unknown;
	// An expression may resolve to a number (e.g. a numeric customer ID); Anon wants a string.
	const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
	if (text === undefined) {
		throw new NodeOperationError(this.getNode(), `External ID must be text, not ${quoted(value, 60)}`, {
			itemIndex,
			description: 'Map a single value, e.g. {{ $json.external_id }} from an Anon Trigger link event.',
		});
	}
	if (text === '') {
		throw new NodeOperationError(this.getNode(), 'External ID is empty', {
			itemIndex,
			description:
				"Enter your end user's ID in your system, or map it: from an Anon Trigger link event use {{ $json.external_id }}.",
		});
	}
	return text;
}

function parseJsonArray(text: string): unknown[] | undefined {
	try {
		const parsed: unknown = JSON.parse(text);
		return Array.isArray(parsed) ? parsed : undefined;
	} catch {
		return undefined;
	}
}
