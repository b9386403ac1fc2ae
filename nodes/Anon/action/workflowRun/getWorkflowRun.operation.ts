/** Workflow Run → Get: a workflow run and its current status. */
import type { IDataObject, IExecuteFunctions, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { anonApiRequest } from '../transport';
import { uuidParameter } from '../validate';

export const option: INodePropertyOptions = {
	name: 'Get',
	value: 'get',
	action: 'Get workflow run',
	description: 'Get a workflow run and its current status',
};

export const fields: INodeProperties[] = [
	{
		displayName: 'Workflow Run ID',
		name: 'workflowRunId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 550e8400-e29b-41d4-a716-446655440005',
		description: 'The ID of the workflow run to get',
		hint: 'From an Anon Trigger workflow_run event: {{ $json.id }}',
	},
];

/** GET /api/v2/workflow-runs/{id}. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const id = uuidParameter.call(
		this,
		'workflowRunId',
		'Workflow Run ID',
		itemIndex,
		'From an Anon Trigger workflow_run event use {{ $json.id }}.',
	);
	return await anonApiRequest.call(
		this,
		{ method: 'GET', path: `/api/v2/workflow-runs/${id}`, notFound: `Anon has no workflow run with ID ${id}` },
		itemIndex,
	);
}
