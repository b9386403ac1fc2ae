/** Link → Create Token: a link token, to embed the link with Anon's frontend SDK. */
import type { IDataObject, IExecuteFunctions, INodePropertyOptions } from 'n8n-workflow';

import { externalIdField, jobIdsField, postLinkRequest } from './linkFields';

export const option: INodePropertyOptions = {
	name: 'Create Token',
	value: 'createToken',
	action: 'Create link token',
	description: "Create a link token, to embed the link with Anon's frontend SDK",
};

export const fields = [externalIdField, jobIdsField];

/** POST /api/v2/link/token → `{ link_token }`, for Anon's frontend SDK. */
export async function execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	return await postLinkRequest.call(this, itemIndex, '/api/v2/link/token');
}
