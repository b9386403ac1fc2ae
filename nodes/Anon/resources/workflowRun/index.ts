import type { INodeProperties } from 'n8n-workflow';

export { getWorkflowRun } from './get';

const showForWorkflowRun = { resource: ['workflowRun'] };

export const workflowRunDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: showForWorkflowRun },
		options: [
			{
				name: 'Get',
				value: 'get',
				action: 'Get a workflow run',
				description: 'Get a workflow run and its current status',
			},
		],
		default: 'get',
	},
	{
		displayName: 'Workflow Run ID',
		name: 'workflowRunId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 550e8400-e29b-41d4-a716-446655440005',
		description: 'The ID of the workflow run to get',
		hint: 'From an Anon Trigger workflow_run event: {{ $json.id }}',
		displayOptions: { show: { ...showForWorkflowRun, operation: ['get'] } },
	},
];
