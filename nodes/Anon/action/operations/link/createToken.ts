import type { IDataObject, IExecuteFunctions, INodePropertyOptions } from 'n8n-workflow';

import { anonApiRequest } from '../../transport';
import { externalIdParameter, jobIdsParameter } from '../../validate';
import { externalIdField, jobIdsField } from './fields';

export const option: INodePropertyOptions = {
	name: 'Create Token',
	value: 'createToken',
	action: 'Create link token',
	description: "Create a link token, to embed the link with Anon's frontend SDK",
};

export const fields = [externalIdField, jobIdsField];

/** POST /api/v2/link/token → `{ link_token }`, for Anon's frontend SDK. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
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
