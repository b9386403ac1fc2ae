// How a release is published, and what users and n8n's reviewers read first. Plain
// JavaScript: it runs npm, which n8n's lint (rightly) forbids in the package's TypeScript.
const { spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const workflow = readFileSync(path.join(root, '.github/workflows/publish.yml'), 'utf8');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

/** `npm publish --dry-run` as the publish workflow runs it, without npm's exported settings. */
function publishDryRun(env) {
	const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_|^RELEASE_MODE$/i.test(name)));
	const result = spawnSync('npm', ['publish', '--dry-run', '--provenance', '--access', 'public', '--ignore-scripts=false'], {
		cwd: root,
		env: { ...clean, ...env },
		encoding: 'utf8',
	});
	return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('publishing', () => {
	it('guards npm publish with n8n-node prerelease, and publishes only with provenance', () => {
		expect(pkg.scripts.prepublishOnly).toBe('n8n-node prerelease');
		// Outside GitHub Actions npm cannot make a provenance statement, so a publish from a
		// laptop fails before uploading anything.
		expect(pkg.publishConfig).toEqual({ access: 'public', provenance: true });
	});

	it('runs the guard although .npmrc sets ignore-scripts=true: refused without RELEASE_MODE', () => {
		expect(readFileSync(path.join(root, '.npmrc'), 'utf8')).toMatch(/^ignore-scripts=true$/m);
		const { status, output } = publishDryRun({});
		expect(output).toContain('> n8n-node prerelease');
		expect(output).toContain('Run `npm run release` to publish the package');
		expect(status).not.toBe(0);
	});

	it('passes the guard with RELEASE_MODE=true, as the workflow sets it', () => {
		const { status, output } = publishDryRun({ RELEASE_MODE: 'true' });
		expect(output).toContain('> n8n-node prerelease');
		expect(output).toMatch(/\+ n8n-nodes-anon@\d+\.\d+\.\d+/);
		expect(status).toBe(0);
	});

	it('has a workflow that lints, tests, then publishes with provenance on a version tag', () => {
		expect(workflow).toMatch(/on:\n {2}push:\n {4}tags:\n(?: {6}#.*\n)* {6}- '\*\.\*\.\*'/);
		expect(workflow).toMatch(/permissions:\n(?: {6}#.*\n)* {6}id-token: write\n {6}contents: read/);
		const order = ['run: npm ci', 'run: npm run lint', 'run: npm test', 'npm publish --provenance --access public --ignore-scripts=false'];
		const at = order.map((step) => workflow.indexOf(step));
		expect(at.every((index) => index > 0)).toBe(true);
		expect([...at].sort((a, b) => a - b)).toEqual(at);
		expect(workflow).toContain("RELEASE_MODE: 'true'");
	});
});

describe('the README a user and a reviewer read', () => {
	const sections = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1]);

	it('starts with installing in n8n, and the two-command local instance is on the first screen', () => {
		expect(sections[0]).toBe('Install in n8n');
		const lines = readme.split('\n');
		const twoCommands = lines.findIndex((line) => line.startsWith('npm install && npm start'));
		expect(lines[twoCommands + 1]).toMatch(/^npm test\s/);
		expect(twoCommands).toBeGreaterThan(0);
		expect(twoCommands).toBeLessThan(45);
	});

	it('has the sections of n8n\'s starter template, and Releasing', () => {
		expect(sections).toEqual(expect.arrayContaining(['Compatibility', 'Resources', 'Version history', 'Releasing', 'Credentials']));
	});

	it('states the n8n versions the suites prove, n8n Cloud and n8n 3', () => {
		const compatibility = readme.split('## Compatibility')[1].split('\n## ')[0];
		for (const text of ['2.41.1', '1.123.81', 'n8n Cloud', 'N8N_UNVERIFIED_PACKAGES_ENABLED=true']) {
			expect(compatibility).toContain(text);
		}
	});

	it('tells users to set N8N_WEBHOOK_URL; WEBHOOK_URL only as the n8n 1.x name', () => {
		for (const match of readme.matchAll(/(\S*)WEBHOOK_URL/g)) {
			if (match[1].endsWith('N8N_')) continue;
			const at = match.index + match[1].length;
			expect(readme.slice(Math.max(0, at - 12), at)).toMatch(/n8n 1\.x: `$/);
		}
	});
});
