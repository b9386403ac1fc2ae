/**
 * What both link operations share: the two fields they read and the request they send, which
 * differ only in the endpoint's path (a link's URL, or a token for Anon's frontend SDK).
 */
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { anonApiRequest } from '../transport';
import { EXAMPLE_UUID, externalIdParameter, jobIdsParameter } from '../validate';

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

/** POST `path` with the item's External ID and Job IDs, as both link endpoints take them. */
export async function postLinkRequest(this: IExecuteFunctions, itemIndex: number, path: string): Promise<IDataObject> {
	const externalId = externalIdParameter.call(this, itemIndex);
	const jobIds = jobIdsParameter.call(this, itemIndex);
	return await anonApiRequest.call(
		this,
		{
			method: 'POST',
			path,
			body: { external_id: externalId, job_id: jobIds },
			notFound: `Anon does not know one of the job IDs (${jobIds.join(', ')})`,
		},
		itemIndex,
	);
}
