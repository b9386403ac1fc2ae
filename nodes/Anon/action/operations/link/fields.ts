import type { INodeProperties } from 'n8n-workflow';

import { EXAMPLE_UUID } from '../../validate';

/**
 * The two fields both link operations send. Left empty on purpose: a default ID would
 * silently create links for the wrong user. The hints show the Anon Trigger mapping.
 */
export const externalIdField: INodeProperties = {
	displayName: 'External ID',
	name: 'externalId',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'e.g. customer_12345',
	description: "Your ID for the end user the link is for (Anon's external_id)",
	hint: 'From an Anon Trigger link event: {{ $json.external_id }}',
};

export const jobIdsField: INodeProperties = {
	displayName: 'Job IDs',
	name: 'jobIds',
	type: 'string',
	required: true,
	default: '',
	placeholder: `e.g. ${EXAMPLE_UUID}`,
	description:
		'The job or jobs the link runs: one job ID, several separated by commas, or an expression that returns an array of IDs',
	hint: 'From an Anon Trigger link event: {{ $json.job_id }}',
};
