import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { RESOURCES } from './action/resources';
import type { Operation } from './action/resource';

/** resource → operation → what runs it. */
const OPERATIONS: Record<string, Record<string, Operation['execute']>> = Object.fromEntries(
	RESOURCES.map((resource) => [String(resource.option.value), resource.execute]),
);

export class Anon implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Anon',
		name: 'anon',
		documentationUrl: 'https://github.com/anon-com/n8n-nodes-anon?tab=readme-ov-file#anon-node',
		icon: { light: 'file:anon.svg', dark: 'file:anon.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] + ": " + $parameter["resource"] }}',
		description: 'Create Anon links and get jobs and workflow runs',
		defaults: { name: 'Anon' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'anonApi', required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: RESOURCES.map((resource) => resource.option).sort((a, b) => a.name.localeCompare(b.name)),
				default: 'link',
			},
			...RESOURCES.flatMap((resource) => resource.properties),
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const returnData: INodeExecutionData[] = [];

		// One request per item, in order: a failing item does not stop the others when
		// "Continue On Fail" is on, and its error lands on an item paired with its input.
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			try {
				const resource = this.getNodeParameter('resource', itemIndex) as string;
				const operation = this.getNodeParameter('operation', itemIndex) as string;
				const run = OPERATIONS[resource]?.[operation];
				if (!run) {
					throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported for "${resource}"`, {
						itemIndex,
					});
				}
				const json = await run.call(this, itemIndex);
				returnData.push({ json, pairedItem: { item: itemIndex } });
			} catch (error) {
				const nodeError =
					error instanceof NodeApiError || error instanceof NodeOperationError
						? error
						: new NodeOperationError(this.getNode(), error as Error, { itemIndex });
				if (this.continueOnFail()) {
					returnData.push({ json: { error: nodeError.message }, pairedItem: { item: itemIndex } });
					continue;
				}
				nodeError.context.itemIndex ??= itemIndex;
				throw nodeError;
			}
		}
		return [returnData];
	}
}
