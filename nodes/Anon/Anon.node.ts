import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeApiError, NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { getJob, jobDescription } from './resources/job';
import { createLink, createLinkToken, linkDescription } from './resources/link';
import { getWorkflowRun, workflowRunDescription } from './resources/workflowRun';

type Operation = (this: IExecuteFunctions, itemIndex: number) => Promise<IDataObject>;

/** resource → operation → what runs it; the descriptions beside each resource name the same keys. */
const OPERATIONS: Record<string, Record<string, Operation>> = {
	link: { create: createLink, createToken: createLinkToken },
	job: { get: getJob },
	workflowRun: { get: getWorkflowRun },
};

export class Anon implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Anon',
		name: 'anon',
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
				options: [
					{ name: 'Job', value: 'job' },
					{ name: 'Link', value: 'link' },
					{ name: 'Workflow Run', value: 'workflowRun' },
				],
				default: 'link',
			},
			...linkDescription,
			...jobDescription,
			...workflowRunDescription,
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
