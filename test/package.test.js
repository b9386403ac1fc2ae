// What `npm pack` ships, and what the README promises. Plain JavaScript: it needs
// child_process and fs, which n8n's lint (rightly) forbids in the package's TypeScript.
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, readFileSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

describe('the published package', () => {
	const [packed] = JSON.parse(
		execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }),
	);
	const files = packed.files.map((f) => f.path);

	it('has no runtime dependencies, and n8n-workflow only as an optional peer', () => {
		expect(pkg.dependencies ?? {}).toEqual({});
		expect(pkg.peerDependencies).toEqual({ 'n8n-workflow': '*' });
		// n8n brings its own n8n-workflow: `npm install n8n-nodes-anon` in a nodes folder installs
		// this one package (test/e2e/readmeInstall.mjs runs the README's command).
		expect(pkg.peerDependenciesMeta).toEqual({ 'n8n-workflow': { optional: true } });
	});

	it('carries only dist/, package.json, README, LICENSE and CHANGELOG', () => {
		const outside = files.filter(
			(f) => !f.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'].includes(f),
		);
		expect(outside).toEqual([]);
		expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']));
		// Only what n8n loads: the nodes, the credentials and the package manifest.
		expect(files.filter((f) => f.startsWith('dist/') && !/^dist\/(nodes|credentials)\/|^dist\/package\.json$/.test(f))).toEqual([]);
		expect(files.filter((f) => /test|fixture/i.test(f))).toEqual([]);
	});

	it('ships every file the n8n section of package.json names, with its icons and codex', () => {
		const declared = [...pkg.n8n.nodes, ...pkg.n8n.credentials];
		expect(declared).toEqual([
			'dist/nodes/Anon/Anon.node.js',
			'dist/nodes/Anon/AnonTrigger.node.js',
			'dist/credentials/AnonApi.credentials.js',
			'dist/credentials/AnonWebhookApi.credentials.js',
		]);
		for (const file of [
			...declared,
			'dist/nodes/Anon/Anon.node.json',
			'dist/nodes/Anon/AnonTrigger.node.json',
			'dist/nodes/Anon/anon.svg',
			'dist/nodes/Anon/anon.dark.svg',
		]) {
			expect(files).toContain(file);
			expect(existsSync(path.join(root, file))).toBe(true);
		}
	});

	it('loads from dist with plain require, as n8n loads it', () => {
		const { AnonTrigger } = require(path.join(root, 'dist/nodes/Anon/AnonTrigger.node.js'));
		const { AnonWebhookApi } = require(path.join(root, 'dist/credentials/AnonWebhookApi.credentials.js'));
		const { Anon } = require(path.join(root, 'dist/nodes/Anon/Anon.node.js'));
		const { AnonApi } = require(path.join(root, 'dist/credentials/AnonApi.credentials.js'));
		expect(new AnonTrigger().description.name).toBe('anonTrigger');
		expect(new AnonWebhookApi().name).toBe('anonWebhookApi');
		expect(new Anon().description.name).toBe('anon');
		expect(new AnonApi().name).toBe('anonApi');
	});
});

describe('the README', () => {
	const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

	// Every event type with an item in test/fixtures/items (the fixtures are the one list).
	const types = readdirSync(path.join(root, 'test/fixtures/items')).map((file) => file.replace(/\.json$/, ''));

	it('documents six event types', () => {
		expect(types).toHaveLength(6);
	});

	it.each(types)('shows the item the tests expect for %s', (type) => {
		const item = readFileSync(path.join(root, 'test/fixtures/items', `${type}.json`), 'utf8').trim();
		expect(readme).toContain(`#### \`${type}\`\n`);
		expect(readme).toContain(item);
	});

	it('links the example workflow, which is the workflow_run.failed alert', () => {
		const file = 'examples/anon-workflow-run-failed-alert.json';
		expect(readme).toContain(`(${file})`);
		const workflow = JSON.parse(readFileSync(path.join(root, file), 'utf8'));
		const trigger = workflow.nodes.find((n) => n.type === 'n8n-nodes-anon.anonTrigger');
		expect(trigger.parameters.events).toEqual(['workflow_run.failed']);
		expect(workflow.connections[trigger.name].main[0][0].node).toBe('Send Alert');
	});
});
