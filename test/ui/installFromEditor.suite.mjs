// The user's install path in the editor: the package published with `npm publish`
// to a local registry (Verdaccio), and a fresh n8n (N8N_VERSION, default 2.41.1) with an empty
// nodes folder whose Community Nodes installer uses that registry, driven in headless
// Chromium: Settings → Community Nodes → Install → `n8n-nodes-anon`; the installed package's
// card (screenshot ui-community-nodes-installed-light, for the README's install section); the
// nodes panel finds the Anon Trigger; a workflow built from it in the editor and published
// runs a signed event.
//
//   npm run test:ui            (node --test --test-concurrency=1 test/ui/nodeInEditor.suite.mjs test/ui/installFromEditor.suite.mjs)
//
// Screenshots, failures and clean-up as in nodeInEditor.suite.mjs (shared in editor.mjs).
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe } from 'node:test';

import { expectedItem, newSigningSecret, sendEvent } from '../../tools/harness/signedEvents.mjs';
import { nodeOutput, waitForAnonWebhook } from '../../tools/harness/n8n.mjs';
import { PACKAGE_NAME, REPO_ROOT } from '../../tools/harness/package.mjs';
import { log, waitFor } from '../../tools/harness/process.mjs';
import { npmCommands, startInstallerInstance } from '../../tools/harness/registry.mjs';
import { N8N_VERSION } from '../../tools/harness/runtime.mjs';
import { TRIGGER_NODE_NAME } from '../../tools/harness/workflows.mjs';
import {
	UUID,
	addAnonTrigger,
	closeToasts,
	ctx,
	editorSuiteHooks,
	openNewWorkflow,
	screenshot,
	searchAnon,
	shownWebhookUrl,
	signInTest,
	test,
} from '../helpers/editor.mjs';

const OWNER = { email: 'install@anon.local', password: 'Install-password-1' };
const { version: VERSION } = JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'package.json'), 'utf8'));

describe(`Settings → Community Nodes → Install in n8n ${N8N_VERSION}, from a local registry, in Chromium`, () => {
	editorSuiteHooks({
		async setUp() {
			log(`UI install: n8n ${N8N_VERSION}`);
			Object.assign(ctx, await startInstallerInstance({ name: 'ui-install', owner: OWNER }));
			await ctx.registry.publish();
		},
		async tearDown() {
			await ctx.registry?.stop();
		},
	});

	signInTest(OWNER);

	test(`Settings → Community Nodes → Install "${PACKAGE_NAME}": n8n installs it from the registry`, async () => {
		const { page } = ctx;
		await page.goto(`${ctx.n8n.baseUrl}/home/workflows`);
		await page.locator('[data-test-id="menu-item"][aria-label="Settings"]').click();
		await page.locator('[data-test-id="menu-item"][aria-label="Community nodes"]').click();
		await page.waitForURL((url) => url.pathname === '/settings/community-nodes');
		// Nothing installed yet: the page offers its empty state's button.
		await page.getByRole('button', { name: 'Install a community node' }).click();
		await page.getByTestId('package-name-input').fill(PACKAGE_NAME);
		await page.getByTestId('user-agreement-checkbox').click();
		const installed = page.waitForResponse(
			(response) => response.url().endsWith('/rest/community-packages') && response.request().method() === 'POST',
			// n8n runs `npm pack` and `npm install` before it answers.
			{ timeout: 120_000 },
		);
		await page.getByTestId('install-community-package-button').click();
		const response = await installed;
		const { data } = await response.json();
		assert.equal(response.status(), 200, JSON.stringify(data));
		assert.equal(data.installedVersion, VERSION);
		// The dialog closes once the editor has loaded the new nodes.
		await page.getByTestId('package-name-input').waitFor({ state: 'hidden' });

		// The installed package's card: name, its two nodes, version, up to date.
		const card = page.getByTestId('community-package-card').filter({ hasText: PACKAGE_NAME });
		await card.getByText('2 nodes').waitFor();
		await card.getByText('Anon Trigger').waitFor();
		await card.getByText(`v${VERSION}`).waitFor();
		// n8n's installer fetched it from the local registry into its (empty) nodes folder.
		const npmCalls = await npmCommands(ctx.n8n.logFile);
		assert.ok(
			npmCalls.some((args) => args[0] === 'pack' && args.includes(`--registry=${ctx.registry.url}`)),
			`n8n ran npm pack with --registry=${ctx.registry.url}: ${JSON.stringify(npmCalls)}`,
		);
		const installedManifest = JSON.parse(
			await fs.readFile(path.join(ctx.userFolder, '.n8n', 'nodes', 'node_modules', PACKAGE_NAME, 'package.json'), 'utf8'),
		);
		assert.equal(installedManifest.version, VERSION);
		await closeToasts();
		// E2E_TESTS=true (for the licence feature, see startInstallerInstance) frames the page in
		// a red "E2E MODE" marker that users' n8n does not have: hidden for the README's image.
		await page.addStyleTag({ content: '[data-test-id="e2e-test-mode-marker"] { display: none !important; }' });
		await screenshot('ui-community-nodes-installed-light');
	});

	test('nodes panel: the "Anon" search finds the installed trigger', async () => {
		await openNewWorkflow('light');
		const entry = await searchAnon();
		await entry.getByText('Starts the workflow when Anon reports a link, job run or workflow run event').waitFor();
	});

	test('a workflow built from it in the editor, published, runs a signed link.opened event', async () => {
		const { page } = ctx;
		// The credential comes from the public API (nodeInEditor.suite.mjs covers its dialog); n8n picks the
		// only credential of the type for a new node.
		ctx.secret = newSigningSecret();
		const credential = await ctx.client.createCredential({ name: 'Anon Webhook account', signingSecret: ctx.secret });
		await openNewWorkflow('light');
		const ndv = await addAnonTrigger('On link opened');
		const selected = ndv.getByTestId('node-credentials-select').locator('input');
		await selected.waitFor();
		assert.equal(await selected.inputValue(), credential.name);
		const productionUrl = await shownWebhookUrl(ndv, 'production');
		assert.match(productionUrl.slice(ctx.n8n.baseUrl.length), new RegExp(`^/webhook/${UUID}/anon$`), productionUrl);
		assert.ok(productionUrl.startsWith(ctx.n8n.baseUrl), productionUrl);
		await ndv.getByTestId('ndv-close-button').click();
		await ndv.waitFor({ state: 'hidden' });

		await page.getByTestId('workflow-open-publish-modal-button').click();
		await page.getByTestId('workflow-publish-button').click();
		await page.waitForURL((url) => /^\/workflow\/[^/]+$/.test(url.pathname) && !url.pathname.endsWith('/new'));
		const workflowId = new URL(page.url()).pathname.split('/').pop();
		await waitFor(
			async () => (await ctx.client.call('GET', `/api/v1/workflows/${workflowId}`, { auth: 'apiKey' })).active === true,
			{ what: `workflow ${workflowId} published (active)` },
		);
		await waitForAnonWebhook(productionUrl, { secret: ctx.secret, what: 'the production webhook' });

		const answer = await sendEvent(productionUrl, { type: 'link.opened', secret: ctx.secret });
		assert.equal(answer.status, 200, JSON.stringify(answer.body));
		const [execution] = await waitFor(
			async () => {
				const executions = await ctx.client.executions(workflowId);
				assert.ok(executions.length <= 1, `one event, ${executions.length} executions`);
				return executions[0]?.stoppedAt ? executions : null;
			},
			{ timeoutMs: 20_000, what: 'the execution of the link.opened event' },
		);
		assert.equal(execution.status, 'success');
		assert.deepEqual(nodeOutput(execution, TRIGGER_NODE_NAME), [await expectedItem('link.opened')]);
	});
});
