// Section 5 of BENCHMARKS.md: where n8n's time goes while the Anon Trigger takes events.
// Starts n8n under `node --cpu-prof`, sends signed events, stops n8n cleanly (the profile is
// written on exit), and sorts the samples by what they ran: the expression engine's isolate,
// SQLite, this package, idle, and the rest.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { deliveryHeaders, exampleBody, newSigningSecret } from '../../tools/harness/signedEvents.mjs';
import { fire, statusCounts } from '../../tools/harness/load.mjs';
import { N8nClient, startN8n } from '../../tools/harness/n8n.mjs';
import { installPackage } from '../../tools/harness/package.mjs';
import { createAnonWorkflow, noOpWorkflow, webhookUrl } from '../../tools/harness/workflows.mjs';

const CATEGORIES = [
	['expression engine isolate (@n8n/expression-runtime, isolated-vm)', (url) => /expression-runtime|isolated-vm/.test(url)],
	['SQLite and ORM (executions, workflow lookups)', (url) => /sqlite3|@n8n\/typeorm|tarn/.test(url)],
	// The package's own folder: the cache n8n runs from (ANON_N8N_CACHE) is named n8n-nodes-anon too.
	['this package (n8n-nodes-anon)', (url) => url.includes('/node_modules/n8n-nodes-anon/')],
	['idle (waiting for I/O)', (url, fn) => fn === '(idle)'],
	['garbage collector', (url, fn) => fn === '(garbage collector)'],
];

/** Calls whose inclusive time is reported (who asks for the isolate). */
const CALLERS = [
	['n8n acquires and releases an expression isolate per request', /^(acquireIsolate|releaseIsolate) .*workflow-expression/],
	['n8n parses the request body', /^parseRequestBody /],
	['Anon Trigger webhook() (verify, filter, parse, emit)', /^webhook .*AnonTrigger\.node\.js/],
];

export async function profileAnonTrigger({ packed, events = 400, concurrency = 16, log = () => {} }) {
	const userFolder = await fs.mkdtemp(path.join(os.tmpdir(), 'anon-profile-'));
	const profileDir = path.join(userFolder, 'profile');
	try {
		await installPackage(userFolder, packed);
		const n8n = await startN8n({ userFolder, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] });
		const client = new N8nClient(n8n.baseUrl);
		await client.setUp();
		const secret = newSigningSecret();
		const credential = await client.createCredential({ name: 'Anon profile', signingSecret: secret });
		const workflow = await createAnonWorkflow(client, noOpWorkflow({ name: 'profile', credentialId: credential.id, credentialName: credential.name }));
		const url = webhookUrl(n8n.baseUrl, workflow);
		const body = await exampleBody('workflow_run.failed');
		log(`  profiling ${events} events`);
		const run = await fire(
			events,
			() => ({ url, body, headers: deliveryHeaders({ secret, body }) }),
			{ concurrency },
		);
		await n8n.stop(); // SIGTERM: Node writes the profile on exit
		const files = (await fs.readdir(profileDir)).filter((f) => f.endsWith('.cpuprofile'));
		// The biggest profile is n8n's main process (the task runner writes a small one).
		const sizes = await Promise.all(files.map(async (f) => [(await fs.stat(path.join(profileDir, f))).size, f]));
		const main = sizes.sort((a, b) => b[0] - a[0])[0][1];
		const profile = JSON.parse(await fs.readFile(path.join(profileDir, main), 'utf8'));
		return { ...analyse(profile), statuses: statusCounts(run.results), events };
	} finally {
		await fs.rm(userFolder, { recursive: true, force: true });
	}
}

function analyse(profile) {
	const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
	const parents = new Map();
	for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
	const selfTime = new Map();
	profile.samples.forEach((id, i) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));

	let total = 0;
	const categories = new Map(CATEGORIES.map(([name]) => [name, 0]));
	categories.set('other (n8n, Express, Node.js)', 0);
	const callers = new Map(CALLERS.map(([name]) => [name, 0]));
	for (const [id, time] of selfTime) {
		total += time;
		const { url, functionName } = nodes.get(id).callFrame;
		const category = CATEGORIES.find(([, matches]) => matches(url, functionName))?.[0] ?? 'other (n8n, Express, Node.js)';
		categories.set(category, categories.get(category) + time);
		// Inclusive time: charge each matching ancestor once per sample.
		const charged = new Set();
		for (let at = id; at !== undefined; at = parents.get(at)) {
			const frame = nodes.get(at).callFrame;
			const label = `${frame.functionName} ${frame.url}`;
			for (const [name, pattern] of CALLERS) {
				if (!charged.has(name) && pattern.test(label)) {
					charged.add(name);
					callers.set(name, callers.get(name) + time);
				}
			}
		}
	}
	const share = (map) => [...map].map(([name, time]) => ({ name, percent: (100 * time) / total }));
	return { seconds: total / 1e6, categories: share(categories), callers: share(callers) };
}
