import type { IDataObject, IExecuteFunctions, INodePropertyOptions } from 'n8n-workflow';

import { anonApiRequest } from '../../transport';
import { externalIdParameter, jobIdsParameter } from '../../validate';
import { externalIdField, jobIdsField } from './fields';

export const option: INodePropertyOptions = {
	name: 'Create',
	value: 'create',
	action: 'Create link',
	description: 'Create a link (URL) an end user opens to run jobs; it expires after 7 days by default',
};

export const fields = [externalIdField, jobIdsField];

/** POST /api/v2/link → `{ link_url, expires_at }`. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const externalId = externalIdParameter.call(this, itemIndex);
	const jobIds = jobIdsParameter.call(this, itemIndex);
	return await anonApiRequest.call(
		this,
		{
			method: 'POST',
			path: '/api/v2/link',
			body: { external_id: externalId, job_id: jobIds },
			notFound: `Anon does not know one of the job IDs (${jobIds.join(', ')})`,
		},
		itemIndex,
	);
}
