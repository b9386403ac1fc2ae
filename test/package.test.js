// What `npm pack` ships, and what the README promises.
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
		// this one package (test/e2e/readmeInstall.suite.mjs runs the README's command).
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
		// No declarations or source maps: they would point at sources the tarball does not ship.
		expect(files.filter((f) => /\.d\.ts$|\.map$/.test(f))).toEqual([]);
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

	it("every node's and credential's documentation link points at a heading that exists", () => {
		const { AnonTrigger } = require(path.join(root, 'dist/nodes/Anon/AnonTrigger.node.js'));
		const { Anon } = require(path.join(root, 'dist/nodes/Anon/Anon.node.js'));
		const { AnonWebhookApi } = require(path.join(root, 'dist/credentials/AnonWebhookApi.credentials.js'));
		const { AnonApi } = require(path.join(root, 'dist/credentials/AnonApi.credentials.js'));
		const urls = [new AnonTrigger().description, new Anon().description, new AnonWebhookApi(), new AnonApi()].map((d) => d.documentationUrl);
		// GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens.
		const anchors = (file) =>
			[...readFileSync(path.join(root, file), 'utf8').matchAll(/^#+ (.+)$/gm)].map((m) =>
				m[1].toLowerCase().replace(/[^\w\s-]/g, '').replace(/\s/g, '-'),
			);
		for (const url of urls) {
			const [, file, anchor] = /^https:\/\/github\.com\/anon-com\/n8n-nodes-anon(?:\?tab=readme-ov-file|\/blob\/main\/(.+?))#(.+)$/.exec(url);
			expect(anchors(file ?? 'README.md')).toContain(anchor);
		}
	});

	it('shows the workflow_run.failed item in full and links the page with every type', () => {
		expect(readme).toContain(readFileSync(path.join(root, 'fixtures/items/workflow_run.failed.json'), 'utf8').trim());
		expect(readme).toContain('(docs/events.md)');
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

describe('the contacts a user finds', () => {
	const REPOSITORY = 'https://github.com/anon-com/n8n-nodes-anon';
	// Anything that reads as an e-mail address at Anon: nobody has confirmed one is read.
	const ANON_EMAIL = /[\w.+-]+@(?:[\w-]+\.)*anon\.com\b/i;
	const ANY_EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/;
	const [packed] = JSON.parse(
		execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }),
	);
	const contactFiles = ['package.json', 'README.md', 'SECURITY.md', 'CHANGELOG.md', 'LICENSE', 'CONTRIBUTING.md']
		.concat(existsSync(path.join(root, 'docs')) ? readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`) : [])
		.filter((file) => existsSync(path.join(root, file)));

	it('no shipped file and no contact file names an @anon.com e-mail address', () => {
		const files = [...new Set([...packed.files.map((f) => f.path), ...contactFiles])];
		expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'SECURITY.md', 'dist/package.json']));
		const naming = files.filter((file) => ANON_EMAIL.test(readFileSync(path.join(root, file), 'utf8')));
		expect(naming).toEqual([]);
	});

	it('SECURITY.md sends vulnerabilities to the repository\'s private reporting and questions to its issues, promising no response time', () => {
		const security = readFileSync(path.join(root, 'SECURITY.md'), 'utf8');
		const reporting = security.split('## Reporting a vulnerability')[1];
		expect(reporting).toContain(`${REPOSITORY}/security/advisories/new`);
		expect(reporting).toContain(`${REPOSITORY}/issues`);
		expect(security).not.toMatch(ANY_EMAIL);
		expect(security).not.toMatch(/within \w+ (working |business )?(hours?|days?)/i);
	});

	it("names the repository's maintainers as author, and says in the e-mail field (n8n's lint requires one) that no address is set yet", () => {
		// @n8n/community-nodes/valid-author (n8n-node lint and n8n's scanner) requires a non-empty
		// author email and does not check its form; no maintainer address is confirmed, and the
		// publish guard refuses a release until there is one (test/release.test.js).
		expect(pkg.author).toEqual({ name: 'n8n-nodes-anon maintainers', email: expect.stringContaining('docs/releasing.md'), url: REPOSITORY });
		expect(pkg.author.email).not.toMatch(/^https?:/);
		expect(JSON.stringify(pkg)).not.toMatch(ANY_EMAIL);
	});
});
