// How a release is published, and what users and n8n's reviewers read first. Plain
// JavaScript: it runs npm, which n8n's lint (rightly) forbids in the package's TypeScript.
const { spawnSync } = require('node:child_process');
const { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const os = require('node:os');
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

const ci = readFileSync(path.join(root, '.github/workflows/ci.yml'), 'utf8');
const releasing = readFileSync(path.join(root, 'docs/releasing.md'), 'utf8');
const guard = readFileSync(path.join(root, 'scripts/publish-guard.mjs'), 'utf8');

/** Every `uses:` of a workflow: { action, ref, comment }. */
const actionsUsed = (text) =>
	[...text.matchAll(/^\s*(?:- )?uses: ([^@\s]+)@(\S+)(?:\s+#\s*(.*))?$/gm)].map(([, action, ref, comment]) => ({ action, ref, comment }));

/** The steps of a workflow in order: { name, run, uses }. */
const stepsOf = (text) =>
	text
		.split(/\n\s+- (?=name:|uses:)/)
		.slice(1)
		.map((step) => ({
			name: /^name: (.+)$/m.exec(step)?.[1],
			uses: /uses: (\S+)/.exec(step)?.[1],
			run: /run: (.+)$/m.exec(step)?.[1],
		}));

describe('publishing', () => {
	it('guards npm publish with scripts/publish-guard.mjs, has no release script, and publishes only with provenance', () => {
		expect(pkg.scripts.prepublishOnly).toBe('node scripts/publish-guard.mjs');
		// n8n-node release (release-it) would rewrite the hand-written CHANGELOG.md.
		expect(pkg.scripts.release).toBeUndefined();
		expect(Object.values(pkg.scripts).join('\n')).not.toMatch(/n8n-node (pre)?release/);
		// Outside GitHub Actions npm cannot make a provenance statement, so a publish from a
		// laptop fails before uploading anything.
		expect(pkg.publishConfig).toEqual({ access: 'public', provenance: true });
	});

	it('runs the guard although .npmrc sets ignore-scripts=true: refused without RELEASE_MODE, pointing at the tag-based steps', () => {
		expect(readFileSync(path.join(root, '.npmrc'), 'utf8')).toMatch(/^ignore-scripts=true$/m);
		const { status, output } = publishDryRun({});
		expect(output).toContain('> node scripts/publish-guard.mjs');
		expect(output).toContain('npm publish refused: n8n-nodes-anon is published by the Publish workflow');
		expect(output).toContain('(.github/workflows/publish.yml)');
		expect(output).toContain('docs/releasing.md');
		expect(output).toMatch(/git tag 0\.2\.0\n.*git push origin main 0\.2\.0/);
		expect(output).not.toContain('npm run release');
		expect(status).not.toBe(0);
	});

	it('refuses with RELEASE_MODE=true too while author.email is not an address, saying where to put one', () => {
		const { status, output } = publishDryRun({ RELEASE_MODE: 'true' });
		expect(output).toContain('> node scripts/publish-guard.mjs');
		expect(output).toContain("npm publish refused: package.json's author.email is not an e-mail address");
		expect(output).toContain('docs/releasing.md, "Before the first release, once"');
		expect(releasing).toContain('## Before the first release, once');
		expect(status).not.toBe(0);
	});

	it('passes the guard with RELEASE_MODE=true, as the workflow sets it, once author.email is an address', () => {
		const folder = mkdtempSync(path.join(os.tmpdir(), 'publish-guard-'));
		try {
			const withAddress = { ...pkg, author: { ...pkg.author, email: 'maintainer@example.org' } };
			writeFileSync(path.join(folder, 'package.json'), JSON.stringify(withAddress));
			const run = (env) => spawnSync(process.execPath, [path.join(root, 'scripts/publish-guard.mjs')], { cwd: folder, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
			expect(run({ RELEASE_MODE: 'true' })).toMatchObject({ status: 0, stderr: '' });
			expect(run({}).status).not.toBe(0);
		} finally {
			rmSync(folder, { recursive: true, force: true });
		}
	});

	it('has a workflow that lints, tests, then publishes with provenance on a version tag', () => {
		expect(workflow).toMatch(/on:\n {2}push:\n {4}tags:\n(?: {6}#.*\n)* {6}- '\*\.\*\.\*'/);
		expect(workflow).toMatch(/permissions:\n(?: {6}#.*\n)* {6}id-token: write\n {6}contents: read/);
		const order = ['run: npm ci', 'run: npm run lint', 'run: npm test', 'npm publish --provenance --access public --ignore-scripts=false'];
		const at = order.map((step) => workflow.indexOf(step));
		expect(at.every((index) => index > 0)).toBe(true);
		expect([...at].sort((a, b) => a - b)).toEqual(at);
		expect(workflow).toContain("RELEASE_MODE: 'true'");
		// The token route (first release) only when the secret is set; otherwise trusted publishing.
		expect(workflow).toContain('NPM_TOKEN: ${{ secrets.NPM_TOKEN }}');
		expect(workflow).toContain('if [ -n "$NPM_TOKEN" ]; then');
	});
});

describe('the workflows', () => {
	const workflows = { 'publish.yml': workflow, 'ci.yml': ci };

	it.each(Object.keys(workflows))('%s pins every action to a full commit SHA, its version in a comment', (name) => {
		const used = actionsUsed(workflows[name]);
		expect(used.map((use) => use.action).sort()).toEqual(['actions/checkout', 'actions/setup-node']);
		for (const { action, ref, comment } of used) {
			expect(`${action}@${ref}`).toMatch(/@[0-9a-f]{40}$/);
			expect(`${action} ${comment}`).toMatch(/ v\d+\.\d+\.\d+$/);
		}
	});

	it('both use the same pins: actions/checkout v5.0.0 and actions/setup-node v5.0.0', () => {
		// Tags resolved in the actions' own repositories (git tags v5.0.0) and cross-checked
		// against other projects' pins.
		for (const text of Object.values(workflows)) {
			expect(actionsUsed(text)).toEqual([
				{ action: 'actions/checkout', ref: '08c6903cd8c0fde910a37f88322edcfb5dd907a8', comment: 'v5.0.0' },
				{ action: 'actions/setup-node', ref: 'a0853c24544627f65ddf259abe73b1d18a591444', comment: 'v5.0.0' },
			]);
		}
	});

	it.each(Object.keys(workflows))('%s restores no dependency cache and keeps no git credentials', (name) => {
		const text = workflows[name];
		expect(text).not.toMatch(/^\s*cache:/m);
		expect(text).not.toMatch(/actions\/cache/);
		// setup-node v5 caches on its own when package.json names a packageManager.
		expect(text).toMatch(/package-manager-cache: false/);
		expect(text).toMatch(/persist-credentials: false/);
	});

	it('ci.yml runs on pull requests and pushes to main: npm ci, lint, build, unit tests, in that order', () => {
		expect(ci).toMatch(/^on:\n {2}pull_request:\n {2}push:\n {4}branches:\n {6}- main\n/m);
		expect(ci).toMatch(/^permissions:\n {2}contents: read\n/m);
		const runs = stepsOf(ci).map((step) => step.run).filter(Boolean);
		expect(runs).toEqual(['npm ci', 'npm run lint', 'npm run build', 'npm test']);
		expect(ci).toMatch(/node: \[20, 24\]/);
	});
});

describe('the documented release steps and the scripts agree', () => {
	it('docs/releasing.md releases by pushing a version tag, never with npm run release (nor does the README say so)', () => {
		expect(releasing).toMatch(/git tag 0\.2\.0/);
		expect(releasing).toMatch(/git push origin main 0\.2\.0/);
		expect(releasing).toMatch(/npm version 0\.2\.0 --no-git-tag-version/);
		expect(`${readme}\n${releasing}`).not.toMatch(/^\s*(?:npm run release|npx n8n-node release)/m);
	});

	it('every npm script the release steps name exists', () => {
		const named = [...releasing.matchAll(/npm run ([\w:-]+)/g)].map((match) => match[1]);
		expect(named.length).toBeGreaterThan(0);
		for (const script of named.filter((name) => name !== 'release')) expect(Object.keys(pkg.scripts)).toContain(script);
	});

	it('the guard, the workflow and the docs name the same tag steps and each other', () => {
		expect(guard).toContain('docs/releasing.md');
		expect(workflow).toContain('docs/releasing.md');
		expect(releasing).toContain('scripts/publish-guard.mjs');
		expect(releasing).toContain('.github/workflows/publish.yml');
		expect(releasing).toContain('.github/workflows/ci.yml');
		// The tags the docs push are tags the workflow's filter matches (*.*.*).
		for (const tag of releasing.matchAll(/git tag (\S+)/g)) expect(tag[1]).toMatch(/^v?\d+\.\d+\.\d+/);
	});

	it('spells out the first release with an npm token, then the switch to trusted publishing', () => {
		const first = releasing.split('## The first release: an npm token')[1].split('\n## ')[0];
		const then = releasing.split('## Then: trusted publishing, no stored token')[1].split('\n## ')[0];
		expect(first).toContain('NPM_TOKEN');
		expect(first).toMatch(/Granular Access Token/);
		expect(then).toMatch(/Trusted Publisher → GitHub Actions/);
		expect(then).toContain('publish.yml');
		expect(then).toMatch(/Delete the `NPM_TOKEN` repository secret/);
		expect(releasing.indexOf('## The first release')).toBeLessThan(releasing.indexOf('## Then: trusted publishing'));
	});
});

describe('the README a user and a reviewer read', () => {
	const sections = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1]);

	it('puts install, the dashboard set-up and the first working workflow on the first two screens', () => {
		expect(sections[0]).toBe('Install in n8n');
		const lineOf = (heading) => readme.split('\n').findIndex((line) => line.startsWith(`## ${heading}`));
		for (const heading of ["Set up in Anon's dashboard", 'Your first workflow']) {
			expect(lineOf(heading)).toBeGreaterThan(0);
			expect(lineOf(heading)).toBeLessThan(100);
		}
	});

	it('is for users and short: no section over 20 lines of prose, the way to a running workflow under 100 lines; maintainers sent to CONTRIBUTING.md', () => {
		// What a reader wades through is prose: a reference table that grows by an event name or a
		// code block is scanned, not read, so neither counts (a byte cap failed on one more event type).
		const proseLines = (section) => {
			let inCode = false;
			return section.split('\n').slice(1).filter((line) => {
				if (/^```/.test(line)) inCode = !inCode;
				return !inCode && !/^```/.test(line) && !line.startsWith('|') && line.trim() !== '';
			}).length;
		};
		const long = readme.split(/^## /m).slice(1).map((section) => [section.split('\n')[0], proseLines(section)]).filter(([, lines]) => lines > 20);
		expect(long).toEqual([]);
		expect(readme.slice(0, readme.indexOf('\n## Anon Trigger')).split('\n').length).toBeLessThan(100);
		expect(readme).toContain('(CONTRIBUTING.md)');
		// Performance stays: a short section for operators (the setting that decides it); the method is BENCHMARKS.md's.
		for (const section of ['Development', 'Releasing', 'Behind a reverse proxy', 'Running in queue mode']) {
			expect(sections).not.toContain(section);
		}
	});

	it('keeps the two commands of the quick start, the second being the test command CI runs', () => {
		const lines = readme.split('\n');
		const twoCommands = lines.findIndex((line) => line.startsWith('npm install && npm start'));
		expect(twoCommands).toBeGreaterThan(0);
		expect(lines[twoCommands + 1]).toMatch(/^npm test\s/);
		expect(readFileSync(path.join(root, '.ci/run'), 'utf8')).toMatch(/^npm test$/m);
	});

	it("has the sections of n8n's starter template", () => {
		expect(sections).toEqual(expect.arrayContaining(['Compatibility', 'Resources', 'Version history', 'Troubleshooting', 'Security']));
	});

	it('links every docs/ page it names, and each exists', () => {
		for (const [, file] of readme.matchAll(/\]\((docs\/[\w.-]+\.(?:md|jpg))(?:#[\w-]+)?\)/g)) {
			expect(existsSync(path.join(root, file))).toBe(true);
		}
	});

	it('states the n8n versions the suites prove, n8n Cloud and n8n 3', () => {
		const compatibility = readme.split('## Compatibility')[1].split('\n## ')[0];
		for (const text of ['2.41.1', '1.123.81', 'n8n Cloud', 'N8N_UNVERIFIED_PACKAGES_ENABLED=true']) {
			expect(compatibility).toContain(text);
		}
	});

	it('states as tested the versions the suites run: n8n, the Node.js n8n runs on, the n8n 1.x script', () => {
		const compatibility = readme.split('## Compatibility')[1].split('\n## ')[0];
		const runtime = readFileSync(path.join(root, 'tools/harness/runtime.mjs'), 'utf8');
		const n8n = /DEFAULT_N8N_VERSION = '([\d.]+)'/.exec(runtime)[1];
		const node24 = /NODE24_VERSION = '([\d.]+)'/.exec(runtime)[1];
		const n8n1 = /N8N_VERSION=([\d.]+) /.exec(pkg.scripts['test:e2e:n8n1'])[1];
		expect(compatibility).toContain(`Tested: **${n8n}**`);
		expect(compatibility).toContain(`Tested: **${n8n1}**`);
		expect(compatibility).toContain(`n8n ran on Node.js ${node24} in every suite`);
	});

	it('says what n8n 3 changes, from n8n\'s own v3 rules, and what the queue suite sets for it', () => {
		const compatibility = readme.split('## Compatibility')[1].split('\n## ')[0];
		const n8n3 = compatibility.split('| **n8n 3** |')[1].split('\n')[0];
		expect(n8n3).toMatch(/^ Not tested/);
		for (const text of ['N8N_UNVERIFIED_PACKAGES_ENABLED=true', 'Docker', 'OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS']) expect(n8n3).toContain(text);
		const queueHarness = readFileSync(path.join(root, 'tools/harness/queueTopology.mjs'), 'utf8');
		expect(queueHarness).toMatch(/OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true'/);
		const queueSection = readFileSync(path.join(root, 'docs/queue-mode.md'), 'utf8');
		expect(queueSection).toMatch(/\| `OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS` \|.*n8n 3/);
		// Docker is offered, and said not to be run by the suites.
		expect(compatibility).toMatch(/Docker: the recipe above, not run/);
	});

	it('tells users to set N8N_WEBHOOK_URL; WEBHOOK_URL only as the n8n 1.x name', () => {
		for (const match of readme.matchAll(/(\S*)WEBHOOK_URL/g)) {
			if (match[1].endsWith('N8N_')) continue;
			const at = match.index + match[1].length;
			expect(readme.slice(Math.max(0, at - 12), at)).toMatch(/n8n 1\.x: `$/);
		}
	});
});

describe('the example workflows users import', () => {
	const files = readdirSync(path.join(root, 'examples')).filter((file) => file.endsWith('.json'));

	it.each(files)('%s carries no webhookId: n8n\'s import gives each copy its own production URL', (file) => {
		// n8n 2.41.1's editor keeps a webhookId an imported node carries: every user would get the
		// same predictable path, and a second import in one n8n fails to publish (a webhook conflict).
		const workflow = JSON.parse(readFileSync(path.join(root, 'examples', file), 'utf8'));
		expect(workflow.nodes.filter((node) => 'webhookId' in node).map((node) => node.name)).toEqual([]);
	});

	it.each(files)('%s names its Anon credentials as n8n names a new one (the display name the editor shows, then "account")', (file) => {
		// The editor drops a credential type's trailing " API": "Anon Webhook API" shows as "Anon Webhook".
		const shown = { anonWebhookApi: 'Anon Webhook account', anonApi: 'Anon account' };
		const workflow = JSON.parse(readFileSync(path.join(root, 'examples', file), 'utf8'));
		for (const node of workflow.nodes) {
			for (const [type, reference] of Object.entries(node.credentials ?? {})) {
				if (shown[type]) expect({ node: node.name, name: reference.name }).toEqual({ node: node.name, name: shown[type] });
			}
		}
		for (const [file, displayName] of [['AnonWebhookApi', 'Anon Webhook API'], ['AnonApi', 'Anon API']]) {
			expect(readFileSync(path.join(root, 'credentials', `${file}.credentials.ts`), 'utf8')).toContain(`displayName = '${displayName}';`);
		}
		expect(readme).toContain('**Credential: Anon Webhook**');
	});
});

describe("the README's performance figures are BENCHMARKS.md's", () => {
	const benchmarks = readFileSync(path.join(root, 'BENCHMARKS.md'), 'utf8');
	const performance = readme.split('## Performance')[1].split('\n## ')[0];
	/** Throughput of a table row, in the section starting at `heading`. */
	const throughput = (heading, trigger) => {
		const section = benchmarks.split(heading)[1];
		return new RegExp(`^\\| ${trigger.replace(/[()+]/g, '\\$&')} \\| \\d+ \\| ([\\d.]+) `, 'm').exec(section)?.[1];
	};

	it.each([
		['## 2.', 'Anon Trigger'],
		['## 2.', 'Min Trigger'],
		['## 2.', 'Webhook + Code node (hand-built verifier, When the Workflow Finishes)'],
		['### 2b.', 'Anon Trigger'],
		['### 2b.', 'Anon Trigger, When the Workflow Finishes'],
		['### 2b.', 'Webhook + Code node (hand-built verifier, When the Workflow Finishes)'],
	])('%s %s: the README gives the measured throughput', (heading, trigger) => {
		const measured = throughput(heading, trigger);
		expect(measured).toMatch(/^\d+\.\d$/);
		expect(performance).toContain(measured);
	});

	it('every decimal figure in the section is one BENCHMARKS.md reports', () => {
		for (const figure of performance.match(/\d+\.\d+/g) ?? []) expect({ figure, found: benchmarks.includes(figure) }).toEqual({ figure, found: true });
	});
});

describe('the first install time, from one measured run', () => {
	it('README, CONTRIBUTING and the installer say the same minutes', () => {
		const contributing = readFileSync(path.join(root, 'CONTRIBUTING.md'), 'utf8');
		const runtime = readFileSync(path.join(root, 'tools/harness/runtime.mjs'), 'utf8');
		const measured = /about ([\d.]+) minutes the first time\s+\(measured (\d{4}-\d\d-\d\d)/.exec(contributing);
		expect(measured).not.toBeNull();
		expect(readme).toContain(`about ${measured[1]} minutes the first time`);
		expect(runtime).toContain(`${measured[1]} minutes`);
		expect([...readme.matchAll(/(\d+(?:[.–]\d+)?) minutes the first time/g)].map((m) => m[1])).toEqual([measured[1]]);
		expect([...contributing.matchAll(/(\d+–\d+) minutes\)/g)]).toEqual([]);
	});
});

describe('which content types get 415, said the same way where users read it', () => {
	it('README and SECURITY.md name the same readable types (JSON, text, XML, URL-encoded form) and refuse multipart', () => {
		const security = readFileSync(path.join(root, 'SECURITY.md'), 'utf8');
		const readmeRow = readme.split('\n').find((line) => line.includes('unsupported_content_type'));
		const securityRow = security.split('\n').find((line) => line.startsWith('| **Slow bodies**'));
		for (const text of [readmeRow, securityRow]) {
			expect(text).toMatch(/JSON, text, XML,? (or )?URL-encoded form/);
			expect(text).toContain('multipart/form-data');
		}
	});
});

describe('facts as their sources say them, where users read them', () => {
	const userFacing = ['README.md', 'SECURITY.md', 'CHANGELOG.md', ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`), ...readdirSync(path.join(root, 'examples')).map((f) => `examples/${f}`), 'nodes/Anon/trigger/options.ts'];
	const texts = userFacing.map((file) => [file, readFileSync(path.join(root, file), 'utf8')]);

	it("quotes Anon's \"2 attempts\" with our reading beside it, never as Anon's own count of retries", () => {
		for (const [file, text] of texts) {
			for (const paragraph of text.split(/\n\s*\n/).filter((p) => p.includes('(2 attempts)'))) {
				expect({ file, reading: /\bread(ing)?\b/.test(paragraph) }).toEqual({ file, reading: true });
			}
			expect({ file, found: /Anon's documentation: the\s+first delivery and two retries/.test(text) }).toEqual({ file, found: false });
		}
	});

	it("never calls Svix's defaults Anon's (a 15 s timeout, retries after 5 s and 5 min)", () => {
		for (const [file, text] of texts) expect({ file, found: text.match(/Anon's (5-minute|15[- ]s(econd)?|5 ?s(econd)?) /g) }).toEqual({ file, found: null });
	});

	it('states n8n facts with the version they were read from', () => {
		for (const [file, text] of texts) {
			expect({ file, found: text.match(/n8n 1\.x: `WEBHOOK_URL`|as the instance owner|\(n8n 2\.x;/g) }).toEqual({ file, found: null });
		}
	});

	it("says where the alert example is that Ignore Test Job Runs covers job runs only", () => {
		const section = readme.split('## Your first workflow')[1].split('\n## ')[0];
		expect(section).toMatch(/Ignore Test Job Runs\* covers only `job_run\.\*`/);
	});

	it("gives 0.1.0's notes for a user, not a development log", () => {
		const notes = readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8');
		expect(notes).not.toMatch(/earlier builds|\(before,|used to answer|no longer/);
	});
});

