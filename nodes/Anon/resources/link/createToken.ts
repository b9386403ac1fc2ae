import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { anonApiRequest } from '../../shared/transport';
import { externalIdParameter, jobIdsParameter } from '../../shared/validate';

/** POST /api/v2/link/token → `{ link_token }`, for Anon's frontend SDK. */
export async function createLinkToken(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const externalId = externalIdParameter.call(this, itemIndex);
	const jobIds = jobIdsParameter.call(this, itemIndex);
	return await anonApiRequest.call(
		this,
		{
			method: 'POST',
			path: '/api/v2/link/token',
			body: { external_id: externalId, job_id: jobIds },
			notFound: `Anon does not know one of the job IDs (${jobIds.join(', ')})`,
		},
		itemIndex,
	);
}
