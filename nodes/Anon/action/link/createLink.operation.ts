/** Link → Create: a link (URL) an end user opens to run jobs. */
import type { IDataObject, IExecuteFunctions, INodePropertyOptions } from 'n8n-workflow';

import { externalIdField, jobIdsField, postLinkRequest } from './linkFields';

export const option: INodePropertyOptions = {
	name: 'Create',
	value: 'create',
	action: 'Create link',
	description: 'Create a link (URL) an end user opens to run jobs; it expires after 7 days by default',
};

export const fields = [externalIdField, jobIdsField];

/** POST /api/v2/link → `{ link_url, expires_at }`. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	return await postLinkRequest.call(this, itemIndex, '/api/v2/link');
}
