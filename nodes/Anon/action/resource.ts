/** An action resource built from its operation modules: its Resource entry, Operation list and fields. */
import type { IDataObject, IExecuteFunctions, INodeProperties, INodePropertyOptions } from 'n8n-workflow';

/** What each `action/<resource>/<action>.operation.ts` exports. */
export interface Operation {
	/** Its entry in the resource's Operation list. */
	option: INodePropertyOptions;
	/** The parameters it reads, without displayOptions (`resource()` adds them). */
	fields: INodeProperties[];
	/** One request for one item. */
	execute(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject>;
}

export interface Resource {
	/** Its entry in the node's Resource list. */
	option: INodePropertyOptions;
	/** The Operation parameter and every operation's fields, shown for this resource only. */
	properties: INodeProperties[];
	/** Operation value → what runs it. */
	execute: Record<string, Operation['execute']>;
}

/**
 * Builds a resource from its operation modules, the first being the default. A field object
 * that several operations list is one parameter, shown for those operations (for the whole
 * resource when all of them list it).
 */
export function resource(option: INodePropertyOptions, operations: Operation[]): Resource {
	const show = { resource: [option.value] };
	const listedBy = new Map<INodeProperties, Array<string | number | boolean>>();
	for (const operation of operations) {
		for (const field of operation.fields) {
			listedBy.set(field, [...(listedBy.get(field) ?? []), operation.option.value]);
		}
	}
	const fields = [...listedBy].map(
		([field, values]): INodeProperties => ({
			...field,
			displayOptions: {
				show: values.length > 1 && values.length === operations.length ? show : { ...show, operation: values },
			},
		}),
	);
	const defaultOperation = operations[0].option.value;
	return {
		option,
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				displayOptions: { show },
				options: operations.map((operation) => operation.option),
				default: defaultOperation,
			},
			...fields,
		],
		execute: Object.fromEntries(operations.map((operation) => [String(operation.option.value), operation.execute])),
	};
}
