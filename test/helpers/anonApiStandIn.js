// A stand-in for Anon's REST API (the four documented endpoints of Anon's API reference,
// https://docs.anon.com), on 127.0.0.1 and a random port. It checks what the
// real API documents — Bearer key, `external_id` string, `job_id` non-empty uuid array —
// answers the documented shapes, and can be told to fail the next requests with any status.
const http = require('node:http');
const { randomUUID } = require('node:crypto');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A job and a workflow run the stand-in knows, in the documented response shapes. */
// JOB.id is the job_id of the Anon Trigger's link.* examples, so trigger output maps straight through.
const JOB = {
	id: '550e8400-e29b-41d4-a716-446655440000',
	name: 'Download monthly invoices',
	createdAt: '2025-06-01T10:00:00.000Z',
	updatedAt: '2025-06-02T11:30:00.000Z',
	organizationId: '550e8400-e29b-41d4-a716-446655440003',
	sourceProvider: 'amazon',
	createdByUserId: '550e8400-e29b-41d4-a716-446655440002',
	updatedByUserId: '550e8400-e29b-41d4-a716-446655440002',
	jobConfigJson: { workflowExecutionOrder: ['550e8400-e29b-41d4-a716-446655440006'] },
};
const SECOND_JOB_ID = '550e8400-e29b-41d4-a716-446655440011';
const WORKFLOW_RUN = {
	id: '550e8400-e29b-41d4-a716-446655440005',
	workflowId: '550e8400-e29b-41d4-a716-446655440006',
	status: 'FAILED',
	completedAt: null,
	createdAt: '2025-06-18T02:55:27.804Z',
	updatedAt: '2025-06-18T03:15:30.123Z',
	createdByUserId: '550e8400-e29b-41d4-a716-446655440002',
	jobRunId: '550e8400-e29b-41d4-a716-446655440000',
	currentStateName: 'login',
};

/** Default bodies for forced failures: JSON for some, text for others (no format is documented). */
const FAILURE_BODIES = {
	401: { json: { message: 'Unauthorized' } },
	403: { json: { message: 'Forbidden' } },
	404: { json: { message: 'Not found' } },
	429: { text: 'Too Many Requests', headers: { 'retry-after': '30' } },
	500: { text: 'Internal Server Error' },
};

/**
 * @param {{ apiKey: string }} options
 * @returns {Promise<import('./anonApiStandIn').AnonApiStandIn>}
 */
async function startAnonApiStandIn({ apiKey }) {
	const requests = [];
	const failures = [];
	const jobs = new Map([[JOB.id, JOB], [SECOND_JOB_ID, { ...JOB, id: SECOND_JOB_ID, name: 'Second job' }]]);

	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (chunk) => chunks.push(chunk));
		req.on('end', () => {
			const text = Buffer.concat(chunks).toString('utf8');
			let body;
			try {
				body = text ? JSON.parse(text) : undefined;
			} catch {
				body = text;
			}
			const path = (req.url || '').split('?')[0];
			requests.push({ method: req.method, path, headers: req.headers, body });
			const answer = route(req, path, body);
			res.writeHead(answer.status, {
				'content-type': answer.text === undefined ? 'application/json' : 'text/plain',
				...answer.headers,
			});
			res.end(answer.text ?? JSON.stringify(answer.json));
		});
	});

	function route(req, path, body) {
		const failure = failures.shift();
		if (failure) {
			const template = FAILURE_BODIES[failure.status] ?? { json: { message: `Error ${failure.status}` } };
			if (failure.text !== undefined) return { status: failure.status, text: failure.text };
			const json = failure.echoAuthorization
				? { message: 'bad credentials', received: req.headers.authorization }
				: template.json;
			return { status: failure.status, json, text: failure.echoAuthorization ? undefined : template.text, headers: template.headers };
		}
		if (req.headers.authorization !== `Bearer ${apiKey}`) return { status: 401, json: { message: 'Unauthorized' } };

		if (req.method === 'POST' && (path === '/api/v2/link' || path === '/api/v2/link/token')) {
			const problem = linkBodyProblem(req, body);
			if (problem) return { status: 400, json: { message: problem } };
			if (body.job_id.some((id) => !jobs.has(id))) return { status: 404, json: { message: 'Job not found' } };
			if (path === '/api/v2/link/token') return { status: 200, json: { link_token: `lt_${randomUUID()}` } };
			const expires = new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString();
			return { status: 200, json: { link_url: `https://anon.com/link/${randomUUID()}`, expires_at: expires } };
		}
		const job = /^\/api\/v2\/jobs\/([^/]+)$/.exec(path);
		if (req.method === 'GET' && job) {
			return jobs.has(job[1]) ? { status: 200, json: jobs.get(job[1]) } : { status: 404, json: { message: 'Job not found' } };
		}
		const run = /^\/api\/v2\/workflow-runs\/([^/]+)$/.exec(path);
		if (req.method === 'GET' && run) {
			return run[1] === WORKFLOW_RUN.id
				? { status: 200, json: WORKFLOW_RUN }
				: { status: 404, json: { message: 'Workflow run not found' } };
		}
		return { status: 404, json: { message: `No route ${req.method} ${path}` } };
	}

	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address();

	return {
		baseUrl: `http://127.0.0.1:${port}`,
		requests,
		/** The next request(s) get this status whatever they are (one per call); `text`: this plain-text body. */
		failNext(status, options = {}) {
			failures.push({ status, echoAuthorization: options.echoAuthorization === true, text: options.text });
		},
		reset() {
			requests.length = 0;
			failures.length = 0;
		},
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections?.();
				server.close(() => resolve());
			}),
	};
}

/** The documented body: exactly `external_id` (non-empty string) and `job_id` (non-empty uuid[]). */
function linkBodyProblem(req, body) {
	if (!String(req.headers['content-type'] || '').startsWith('application/json')) return 'content-type must be application/json';
	if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body must be a JSON object';
	const extra = Object.keys(body).filter((k) => k !== 'external_id' && k !== 'job_id');
	if (extra.length > 0) return `unknown fields: ${extra.join(', ')}`;
	if (typeof body.external_id !== 'string' || body.external_id === '') return 'external_id must be a non-empty string';
	if (!Array.isArray(body.job_id) || body.job_id.length === 0) return 'job_id must be a non-empty array';
	if (!body.job_id.every((id) => typeof id === 'string' && UUID.test(id))) return 'job_id must contain uuids';
	return undefined;
}

module.exports = { startAnonApiStandIn, JOB, SECOND_JOB_ID, WORKFLOW_RUN };
