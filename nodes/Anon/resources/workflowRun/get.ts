import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { anonApiRequest } from '../../shared/transport';
import { uuidParameter } from '../../shared/validate';

/** GET /api/v2/workflow-runs/{id}. */
export async function getWorkflowRun(this: IExecuteFunctions, itemIndex: number): Promise<IDataObject> {
	const id = uuidParameter.call(
		this,
		'workflowRunId',
		'Workflow Run ID',
		itemIndex,
		'From an Anon Trigger workflow_run event use {{ $json.id }}.',
	);
	return await anonApiRequest.call(
		this,
		{ method: 'GET', path: `/api/v2/workflow-runs/${id}`, notFound: `Anon has no workflow run with ID ${id}` },
		itemIndex,
	);
}
