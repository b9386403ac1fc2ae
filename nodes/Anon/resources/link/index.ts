import type { INodeProperties } from 'n8n-workflow';

import { externalIdField, jobIdsField } from '../../shared/descriptions';

export { createLink } from './create';
export { createLinkToken } from './createToken';

const showForLink = { resource: ['link'] };

export const linkDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: showForLink },
		options: [
			{
				name: 'Create',
				value: 'create',
				action: 'Create a link',
				description: 'Create a link (URL) an end user opens to run jobs; it expires after 7 days by default',
			},
			{
				name: 'Create Token',
				value: 'createToken',
				action: 'Create a link token',
				description: "Create a link token, to embed the link with Anon's frontend SDK",
			},
		],
		default: 'create',
	},
	{ ...externalIdField, displayOptions: { show: showForLink } },
	{ ...jobIdsField, displayOptions: { show: showForLink } },
];
