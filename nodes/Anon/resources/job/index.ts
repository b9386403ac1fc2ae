import type { INodeProperties } from 'n8n-workflow';

export { getJob } from './get';

const showForJob = { resource: ['job'] };

export const jobDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: showForJob },
		options: [
			{
				name: 'Get',
				value: 'get',
				action: 'Get a job',
				description: 'Get a job: its name and the workflows it runs, in order',
			},
		],
		default: 'get',
	},
	{
		displayName: 'Job ID',
		name: 'jobId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 550e8400-e29b-41d4-a716-446655440000',
		description: 'The ID of the job to get',
		hint: 'From an Anon Trigger link event: {{ $json.job_id }}; from a job_run event: {{ $json.jobId }}',
		displayOptions: { show: { ...showForJob, operation: ['get'] } },
	},
];
