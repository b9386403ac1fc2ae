// The example workflow examples/anon-fresh-link-on-link-closed.json: its shape, and its Anon
// nodes run against the stand-in with the item the Anon Trigger emits for link.closed.
import workflow from '../../examples/anon-fresh-link-on-link-closed.json';
import { Anon } from '../../nodes/Anon/Anon.node';
import { JOB } from '../helpers/anonApiStandIn';
import { anonApiForTests, runAnon } from '../helpers/executeContext';
import { documentedItem } from '../helpers/webhook';

const linkClosedItem = documentedItem('link.closed') as { job_id: string; external_id: string } & Record<string, unknown>;

type WorkflowNode = (typeof workflow.nodes)[number] & { parameters: Record<string, unknown> };
const node = (name: string) => workflow.nodes.find((n) => n.name === name) as WorkflowNode;
const next = (name: string) => (workflow.connections as Record<string, { main: Array<Array<{ node: string }>> }>)[name]?.main[0][0].node;

/**
 * Resolves the two expression forms the example uses, `{{ $json.x }}` (the previous node's
 * item) and `{{ $('Anon Trigger').item.json.x }}`, as n8n would for a single item.
 */
function resolve(parameters: Record<string, unknown>, previous: Record<string, unknown>): Record<string, unknown> {
	const value = (text: string): unknown => {
		const json = /^=\{\{ \$json\.(\w+) \}\}$/.exec(text);
		if (json) return previous[json[1]];
		const trigger = /^=\{\{ \$\('Anon Trigger'\)\.item\.json\.(\w+) \}\}$/.exec(text);
		if (trigger) return linkClosedItem[trigger[1]];
		return text;
	};
	return Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, typeof v === 'string' ? value(v) : v]));
}

describe('example: send a fresh link when a link closes', () => {
	const { anon, credentials } = anonApiForTests();

	it('is Anon Trigger (link.closed) → Get Job → Create Fresh Link → Notify End User', () => {
		const trigger = node('Anon Trigger');
		expect(trigger).toMatchObject({ type: 'n8n-nodes-anon.anonTrigger', typeVersion: 1.1, parameters: { events: ['link.closed'] } });
		expect(Object.keys(trigger.credentials ?? {})).toEqual(['anonWebhookApi']);
		expect(next('Anon Trigger')).toBe('Get Job');
		expect(next('Get Job')).toBe('Create Fresh Link');
		expect(next('Create Fresh Link')).toBe('Notify End User');
		expect(node('Notify End User')).toMatchObject({ type: 'n8n-nodes-base.httpRequest', parameters: { method: 'POST' } });
	});

	it('says that link.closed also means expired, and that every closed link gets a fresh one', () => {
		const text = JSON.stringify(workflow.nodes.map((n) => [n.parameters, (n as { notes?: string }).notes]));
		expect(text).toMatch(/or when it expires/);
		expect(text).toMatch(/does not say whether the job completed/);
		expect(text).toMatch(/for \*\*every\*\* closed link/);
	});

	it('uses only parameters the Anon node has', () => {
		const known = new Set(new Anon().description.properties.map((p) => p.name));
		for (const name of ['Get Job', 'Create Fresh Link']) {
			expect(node(name)).toMatchObject({ type: 'n8n-nodes-anon.anon', typeVersion: 1 });
			expect(Object.keys(node(name).credentials ?? {})).toEqual(['anonApi']);
			for (const parameter of Object.keys(node(name).parameters)) expect(known).toContain(parameter);
		}
	});

	it('gets the job and creates a link for the same external_id and job_id from the trigger item', async () => {
		const getJob = await runAnon({ items: [resolve(node('Get Job').parameters, linkClosedItem)], credentials });
		expect(getJob.output[0].json).toEqual(JOB);

		const created = await runAnon({
			items: [resolve(node('Create Fresh Link').parameters, getJob.output[0].json)],
			credentials,
		});
		expect(anon.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
			`GET /api/v2/jobs/${linkClosedItem.job_id}`,
			'POST /api/v2/link',
		]);
		expect(anon.requests[1].body).toEqual({ external_id: linkClosedItem.external_id, job_id: [linkClosedItem.job_id] });
		expect(created.output[0].json).toEqual({ link_url: expect.any(String), expires_at: expect.any(String) });
	});
});
