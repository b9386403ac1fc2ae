/** The Anon node (action): its description, each operation against the stand-in of Anon's API, input checks, Anon's errors, Continue On Fail. */

import type { ICredentialDataDecryptedObject, IHttpRequestOptions, INode, INodeParameters } from 'n8n-workflow';
import { NodeApiError, NodeHelpers, NodeOperationError } from 'n8n-workflow';

import { AnonApi } from '../../credentials/AnonApi.credentials';
import { Anon } from '../../nodes/Anon/Anon.node';
import * as getJobModule from '../../nodes/Anon/action/job/getJob.operation';
import * as createLinkModule from '../../nodes/Anon/action/link/createLink.operation';
import * as createLinkTokenModule from '../../nodes/Anon/action/link/createLinkToken.operation';
import type { Operation } from '../../nodes/Anon/action/resource';
import * as getWorkflowRunModule from '../../nodes/Anon/action/workflowRun/getWorkflowRun.operation';
import { anonHttpError, anonUnreachableError, withoutUserinfo } from '../../nodes/Anon/action/errors';
import { JOB, SECOND_JOB_ID, startAnonApiStandIn, WORKFLOW_RUN } from '../helpers/anonApiStandIn';
import { anonApiForTests, anonFailure, authenticatedRequest, HttpStatusError, runAnon } from '../helpers/executeContext';

const { anon, credentials, apiKey: API_KEY } = anonApiForTests();

const createLink = (fields: Record<string, unknown> = {}) => ({
	resource: 'link',
	operation: 'create',
	externalId: 'customer_12345',
	jobIds: JOB.id,
	...fields,
});
const getJob = (jobId: unknown) => ({ resource: 'job', operation: 'get', jobId });
const getWorkflowRun = (workflowRunId: unknown) => ({ resource: 'workflowRun', operation: 'get', workflowRunId });

/** Runs the node on one item and returns the error it throws. */
const failure = (item: Record<string, unknown>, withCredentials = credentials) => anonFailure(item, withCredentials);

describe('node description', () => {
	const { description } = new Anon();

	it('is the Anon node, usable as an AI tool, with the Anon API credential', () => {
		expect(description.name).toBe('anon');
		expect(description.displayName).toBe('Anon');
		expect(description.usableAsTool).toBe(true);
		expect(description.credentials).toEqual([{ name: 'anonApi', required: true }]);
	});

	// Every operation module, by resource value: a new module is added here too, and the first test
	// below names it until it is (the node's lists come from RESOURCES in nodes/Anon/action/resources.ts).
	const MODULES: Record<string, Operation[]> = {
		link: [createLinkModule, createLinkTokenModule],
		job: [getJobModule],
		workflowRun: [getWorkflowRunModule],
	};
	const OPERATIONS = Object.entries(MODULES).flatMap(([resource, operations]) =>
		operations.map((operation) => [resource, String(operation.option.value), operation.fields.map((field) => field.name)] as const),
	);

	it('offers every operation module as an operation of its resource, and nothing else', () => {
		const operations = description.properties
			.filter((p) => p.name === 'operation')
			.flatMap((p) => (p.options ?? []).map((o) => `${p.displayOptions?.show?.resource}:${'value' in o ? o.value : ''}`));
		expect(operations.sort()).toEqual(OPERATIONS.map(([resource, operation]) => `${resource}:${operation}`).sort());
	});

	// Resolved as n8n does (the parameters a saved node keeps), so the displayOptions that
	// resource() in nodes/Anon/action gives each operation's fields are checked, not restated.
	it.each(OPERATIONS)('shows %s → %s exactly the parameters it reads', (resource, operation, fields) => {
		const shown = NodeHelpers.getNodeParameters(description.properties, { resource, operation }, true, false, { typeVersion: 1 }, description);
		expect(Object.keys(shown ?? {})).toEqual(['resource', 'operation', ...fields]);
	});

	it('starts a new node on Link → Create, and each resource on its first operation', () => {
		const parameters = (values: INodeParameters) =>
			NodeHelpers.getNodeParameters(description.properties, values, true, false, { typeVersion: 1 }, description);
		expect(parameters({})).toEqual({ resource: 'link', operation: 'create', externalId: '', jobIds: '' });
		expect(parameters({ resource: 'job' })).toEqual({ resource: 'job', operation: 'get', jobId: '' });
		expect(parameters({ resource: 'workflowRun' })).toEqual({ resource: 'workflowRun', operation: 'get', workflowRunId: '' });
	});

	it('leaves every ID empty and says where to map it from', () => {
		for (const name of new Set(OPERATIONS.flatMap(([, , fields]) => fields))) {
			const field = description.properties.find((p) => p.name === name);
			expect(field).toMatchObject({ default: '', required: true, hint: expect.stringContaining('{{ $json.') });
		}
	});
});

describe('Link → Create', () => {
	it('POSTs the documented body with the Bearer key and returns link_url and expires_at', async () => {
		const { output, credentialTypes } = await runAnon({ items: [createLink()], credentials });
		expect(anon.requests).toHaveLength(1);
		const [request] = anon.requests;
		expect(request).toMatchObject({ method: 'POST', path: '/api/v2/link', body: { external_id: 'customer_12345', job_id: [JOB.id] } });
		expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
		expect(output).toEqual([
			{
				json: { link_url: expect.stringMatching(/^https:\/\/anon\.com\/link\//), expires_at: expect.stringMatching(/Z$/) },
				pairedItem: { item: 0 },
			},
		]);
		expect(new Set(credentialTypes)).toEqual(new Set(['anonApi']));
	});

	it.each([
		['a single ID (a link event job_id)', JOB.id, [JOB.id]],
		['an ID with spaces around it', `  ${JOB.id} `, [JOB.id]],
		['a comma-separated list', `${JOB.id}, ${SECOND_JOB_ID}`, [JOB.id, SECOND_JOB_ID]],
		['a list without spaces', `${JOB.id},${SECOND_JOB_ID}`, [JOB.id, SECOND_JOB_ID]],
		['an array from an expression', [JOB.id, SECOND_JOB_ID], [JOB.id, SECOND_JOB_ID]],
		['a JSON array as text', JSON.stringify([JOB.id]), [JOB.id]],
	])('sends job_id as an array for %s', async (_, jobIds, expected) => {
		await runAnon({ items: [createLink({ jobIds })], credentials });
		expect(anon.requests[0].body).toEqual({ external_id: 'customer_12345', job_id: expected });
	});

	it('sends a numeric external ID (from an expression) as text', async () => {
		await runAnon({ items: [createLink({ externalId: 12345 })], credentials });
		expect(anon.requests[0].body).toEqual({ external_id: '12345', job_id: [JOB.id] });
	});

	it('accepts a Base URL with a trailing slash', async () => {
		const { output } = await runAnon({ items: [createLink()], credentials: { ...credentials, baseUrl: `${anon.baseUrl}/` } });
		expect(output[0].json.link_url).toBeDefined();
		expect(anon.requests[0].path).toBe('/api/v2/link');
	});
});

describe('Link → Create Token', () => {
	it('POSTs the same body to /api/v2/link/token and returns link_token', async () => {
		const { output } = await runAnon({ items: [createLink({ operation: 'createToken', jobIds: [JOB.id] })], credentials });
		expect(anon.requests[0]).toMatchObject({
			method: 'POST',
			path: '/api/v2/link/token',
			body: { external_id: 'customer_12345', job_id: [JOB.id] },
		});
		expect(output).toEqual([{ json: { link_token: expect.stringMatching(/^lt_/) }, pairedItem: { item: 0 } }]);
	});
});

describe('Job → Get', () => {
	it('GETs /api/v2/jobs/{jobId} and returns the job', async () => {
		const { output } = await runAnon({ items: [getJob(JOB.id)], credentials });
		expect(anon.requests[0]).toMatchObject({ method: 'GET', path: `/api/v2/jobs/${JOB.id}`, body: undefined });
		expect(output).toEqual([{ json: JOB, pairedItem: { item: 0 } }]);
	});
});

describe('Workflow Run → Get', () => {
	it('GETs /api/v2/workflow-runs/{id} and returns the run', async () => {
		const { output } = await runAnon({ items: [getWorkflowRun(WORKFLOW_RUN.id)], credentials });
		expect(anon.requests[0]).toMatchObject({ method: 'GET', path: `/api/v2/workflow-runs/${WORKFLOW_RUN.id}` });
		expect(output).toEqual([{ json: WORKFLOW_RUN, pairedItem: { item: 0 } }]);
	});
});

describe('input checks, before any request', () => {
	it.each([
		['a Job ID that is not a UUID', getJob('job_123'), /^Job ID "job_123" is not a UUID$/],
		['an empty Job ID', getJob(''), /^Job ID is empty$/],
		['a whole object mapped as Job ID', getJob({ id: JOB.id }), /^Job ID ".*" is not a UUID$/],
		['a Workflow Run ID that is not a UUID', getWorkflowRun('run-1'), /^Workflow Run ID "run-1" is not a UUID$/],
		['a job ID list with one bad entry', createLink({ jobIds: `${JOB.id}, nope` }), /^Job IDs contains "nope", which is not a UUID$/],
		['an empty job ID list', createLink({ jobIds: ' , ' }), /^Job IDs is empty$/],
		['an empty array of job IDs', createLink({ jobIds: [] }), /^Job IDs is empty$/],
		['an empty External ID', createLink({ externalId: '  ' }), /^External ID is empty$/],
		['an object as External ID', createLink({ externalId: { id: 1 } }), /^External ID must be text/],
	])('rejects %s with a NodeOperationError', async (_, item, message) => {
		const error = await failure(item);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toMatch(message);
		expect(error.description).toMatch(/\{\{ \$json\./);
		expect(error.context.itemIndex).toBe(0);
		expect(anon.requests).toEqual([]);
	});
});

describe('Anon errors', () => {
	it.each([
		[401, /^Anon rejected the API key \(401\): it is wrong or has been revoked$/, /Create a new key/],
		[403, /^Anon refused this request for the API key \(403\)$/, /organization/],
		[404, /^Not found \(404\): Anon has no job with ID /, /Check the ID/],
		[429, /^Anon is rate limiting these requests \(429\): slow down and retry$/, /wait 30 seconds/],
		[500, /^Anon is having trouble \(500\); retry later$/, /Anon answered: Internal Server Error/],
	])('%i becomes a NodeApiError that says what to do', async (status, message, description) => {
		anon.failNext(status);
		const error = await failure(getJob(JOB.id));
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toMatch(message);
		expect(error.description).toMatch(description);
		expect((error as NodeApiError).httpCode).toBe(String(status));
		expect(error.context.itemIndex).toBe(0);
	});

	it('a wrong key gets the 401 message from the real check', async () => {
		const error = await failure(getJob(JOB.id), { ...credentials, apiKey: 'anon_wrong' });
		expect(error.message).toMatch(/wrong or has been revoked/);
	});

	it('an unknown job in Create Link is a 404 naming the IDs sent', async () => {
		const unknown = '00000000-0000-0000-0000-000000000001';
		const error = await failure(createLink({ jobIds: unknown }));
		expect(error.message).toBe(`Not found (404): Anon does not know one of the job IDs (${unknown})`);
	});

	it('an unknown workflow run is a 404 naming the ID', async () => {
		const unknown = '00000000-0000-0000-0000-000000000002';
		const error = await failure(getWorkflowRun(unknown));
		expect(error.message).toBe(`Not found (404): Anon has no workflow run with ID ${unknown}`);
	});

	it('an unreachable host says which Base URL to check', async () => {
		const closed = await startAnonApiStandIn({ apiKey: API_KEY });
		await closed.close();
		const error = await failure(getJob(JOB.id), { ...credentials, baseUrl: closed.baseUrl });
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe(`Could not reach Anon at ${closed.baseUrl}`);
		expect(error.description).toMatch(/ECONNREFUSED/);
	});

	it.each([401, 403, 404, 429, 500])('never shows the API key, even when Anon echoes it (%i)', async (status) => {
		anon.failNext(status, { echoAuthorization: true });
		const error = await failure(getJob(JOB.id));
		const keyMaterial = API_KEY.slice('anon_'.length);
		expect(error.description).toContain('***');
		for (const text of [error.message, error.description, JSON.stringify(error), JSON.stringify(error.context)]) {
			expect(text ?? '').not.toContain(keyMaterial);
		}
	});
});

describe('Continue On Fail', () => {
	const items = [getJob('not-a-uuid'), getJob(JOB.id), getWorkflowRun(WORKFLOW_RUN.id)];

	it('turns each failing item into { error } paired with its input, and runs the rest', async () => {
		anon.failNext(500); // the first request is item 1's: item 0 fails before sending one
		const { output } = await runAnon({ items, credentials, continueOnFail: true });
		expect(output).toEqual([
			{ json: { error: 'Job ID "not-a-uuid" is not a UUID' }, pairedItem: { item: 0 } },
			{ json: { error: 'Anon is having trouble (500); retry later' }, pairedItem: { item: 1 } },
			{ json: WORKFLOW_RUN, pairedItem: { item: 2 } },
		]);
		expect(JSON.stringify(output)).not.toContain(API_KEY);
	});

	it('without it, the first failure stops the node and names its item', async () => {
		const error = await runAnon({ items: [getJob(JOB.id), getJob('nope')], credentials }).catch((e: NodeOperationError) => e);
		expect(error).toBeInstanceOf(NodeOperationError);
		expect((error as NodeOperationError).context.itemIndex).toBe(1);
	});
});

describe('Anon API credential', () => {
	const credential = new AnonApi();

	/**
	 * What n8n's credential tester does with a request-based test (packages/cli
	 * credentials-tester.service.ts): a thrown HTTP status matching a rule gives the rule's
	 * message, any other thrown status or network error fails, anything else is OK.
	 */
	async function testCredential(data: ICredentialDataDecryptedObject) {
		const { request, rules = [] } = credential.test;
		try {
			await authenticatedRequest(data, { ...request, url: request.url ?? '', returnFullResponse: true } as IHttpRequestOptions);
		} catch (error) {
			if (error instanceof HttpStatusError) {
				const rule = rules.find((r) => r.type === 'responseCode' && r.properties.value === error.httpCode);
				return { status: 'Error', message: rule?.properties.message ?? `Received HTTP status code: ${error.httpCode}` };
			}
			return { status: 'Error', message: String((error as { cause?: { code?: string } }).cause?.code ?? error) };
		}
		return { status: 'OK', message: 'Connection successful!' };
	}

	it('has an API key (password) and a changeable Base URL defaulting to Anon', () => {
		expect(credential.name).toBe('anonApi');
		const [apiKey, baseUrl] = credential.properties;
		expect(apiKey).toMatchObject({ name: 'apiKey', typeOptions: { password: true }, default: '' });
		expect(baseUrl).toMatchObject({ name: 'baseUrl', default: 'https://worker.anon.com' });
	});

	it('sends the key, trimmed, as a Bearer token', () => {
		expect(credential.authenticate).toEqual({
			type: 'generic',
			properties: { headers: { Authorization: '=Bearer {{$credentials.apiKey.trim()}}' } },
		});
	});

	it('asks a documented endpoint for a job that cannot exist, on the configured Base URL', () => {
		expect(credential.test.request).toMatchObject({
			method: 'GET',
			baseURL: '={{$credentials.baseUrl}}',
			url: '/api/v2/jobs/00000000-0000-0000-0000-000000000000',
		});
	});

	it('passes a valid key (Anon answers 404 for the nil job)', async () => {
		await expect(testCredential(credentials)).resolves.toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(anon.requests[0]).toMatchObject({ method: 'GET', path: '/api/v2/jobs/00000000-0000-0000-0000-000000000000' });
		expect(anon.requests[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
	});

	it('tells a wrong key (401) and a refused key (403) apart from other failures', async () => {
		await expect(testCredential({ ...credentials, apiKey: 'anon_wrong' })).resolves.toEqual({
			status: 'Error',
			message: expect.stringMatching(/rejected the API key \(401\)/),
		});
		anon.failNext(403);
		await expect(testCredential(credentials)).resolves.toEqual({
			status: 'Error',
			message: expect.stringMatching(/refused the API key \(403\)/),
		});
		anon.failNext(500);
		await expect(testCredential(credentials)).resolves.toEqual({ status: 'Error', message: 'Received HTTP status code: 500' });
	});

	it('reports an unreachable host as a connection error, not as a key problem', async () => {
		const closed = await startAnonApiStandIn({ apiKey: API_KEY });
		await closed.close();
		await expect(testCredential({ ...credentials, baseUrl: closed.baseUrl })).resolves.toEqual({
			status: 'Error',
			message: 'ECONNREFUSED',
		});
	});
});

describe('a proxy-style Base URL never shows its user:password', () => {
	const PASSWORD = 'pr0xy-s3cret';
	const withUserinfo = (baseUrl: string) => baseUrl.replace('http://', `http://proxy-user:${PASSWORD}@`);
	/** Every text an error carries to the editor, the execution data and n8n's log. */
	const texts = (error: NodeApiError | NodeOperationError) => [
		error.message,
		error.description ?? '',
		JSON.stringify(error),
		JSON.stringify(error.context),
		String(error.stack),
	];


	it('an unreachable proxy: "Could not reach Anon at http://127.0.0.1:…", without the userinfo', async () => {
		const closed = await startAnonApiStandIn({ apiKey: API_KEY });
		await closed.close();
		const error = await failure(getJob(JOB.id), { ...credentials, baseUrl: withUserinfo(closed.baseUrl) });
		expect(error.message).toBe(`Could not reach Anon at ${closed.baseUrl}`);
		for (const text of texts(error)) expect(text).not.toContain(PASSWORD);
	});

	it.each([
		[404, undefined],
		[200, '<html>proxy login</html>'],
		[400, `no route for http://proxy-user:${PASSWORD}@127.0.0.1/anon`],
		[502, 'Bad gateway'],
	])('a %i answer through the proxy: the Base URL is quoted without the userinfo', async (status, text) => {
		anon.failNext(status, { text });
		const error = await failure(getJob(JOB.id), { ...credentials, baseUrl: withUserinfo(`${anon.baseUrl}/`) });
		for (const quoted of texts(error)) expect(quoted).not.toContain(PASSWORD);
		if (status === 404 || status === 200) expect(error.description).toContain(`(${anon.baseUrl})`);
	});

	it('a URL echoed in an answer or an error message loses its userinfo too', () => {
		const node = { id: 'anon1', name: 'Anon', type: 'n8n-nodes-anon.anon', typeVersion: 1, position: [0, 0], parameters: {} } as INode;
		const request = { itemIndex: 0, notFound: 'x', baseUrl: `https://proxy-user:${PASSWORD}@proxy.example.com`, apiKey: API_KEY };
		const http400 = anonHttpError(node, { statusCode: 400, body: `bad request for https://proxy-user:${PASSWORD}@proxy.example.com/api` }, request);
		const unreachable = anonUnreachableError(node, new Error(`getaddrinfo failed for https://proxy-user:${PASSWORD}@proxy.example.com`), request);
		for (const error of [http400, unreachable]) for (const text of texts(error)) expect(text).not.toContain(PASSWORD);
		expect(unreachable.message).toBe('Could not reach Anon at https://proxy.example.com');
	});

	it.each([
		['https://u:p%40ss@proxy.example.com/x', 'https://proxy.example.com/x'],
		['https://u:p@ss@proxy.example.com/x?y=@z', 'https://proxy.example.com/x?y=@z'],
		['see http://user@proxy.example.com and HTTPS://a:b@c.d', 'see http://proxy.example.com and HTTPS://c.d'],
		['https://worker.anon.com', 'https://worker.anon.com'],
		['mail me: a@b.c', 'mail me: a@b.c'],
	])('withoutUserinfo(%s) → %s', (text, expected) => {
		expect(withoutUserinfo(text)).toBe(expected);
	});
});
