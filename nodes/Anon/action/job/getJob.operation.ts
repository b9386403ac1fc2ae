/** Job → Get: a job, its name and the workflows it runs. */
import type { IDataObject, IExecuteFunctions, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { anonApiRequest } from '../transport';
import { EXAMPLE_UUID, uuidParameter } from '../validate';

export const option: INodePropertyOptions = {
	name: 'Get',
	value: 'get',
	action: 'Get job',
	description: 'Get a job: its name and the workflows it runs, in order',
};

export const fields: INodeProperties[] = [
	{
		displayName: 'Job ID',
		name: 'jobId',
		type: 'string',
		required: true,
		default: '',
		placeholder: `e.g. ${EXAMPLE_UUID}`,
		description: 'The ID of the job to get',
		hint: 'From an Anon Trigger link event: {{ $json.job_id }}; from a job_run event: {{ $json.jobId }}',
	},
];

/** GET /api/v2/jobs/{jobId}. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const jobId = uuidParameter.call(
		this,
		'jobId',
		'Job ID',
		itemIndex,
		'From an Anon Trigger link event use {{ $json.job_id }}, from a job_run event {{ $json.jobId }}.',
	);
	return await anonApiRequest.call(
		this,
		{ method: 'GET', path: `/api/v2/jobs/${jobId}`, notFound: `Anon has no job with ID ${jobId}` },
		itemIndex,
	);
}
