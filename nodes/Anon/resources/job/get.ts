import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { anonApiRequest } from '../../shared/transport';
import { uuidParameter } from '../../shared/validate';

/** GET /api/v2/jobs/{jobId}. */
export async function getJob(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
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
