// Editor-experience suite: a real n8n (N8N_VERSION, default 2.41.1) with this package installed
// as n8n's community installer would, driven in a real headless Chromium with Playwright.
//
//   npm run test:ui            (node --test --test-concurrency=1 test/ui/nodeInEditor.suite.mjs test/ui/installFromEditor.suite.mjs)
//
// It checks what a new user sees: the Anon Trigger in the nodes panel (light and dark theme),
// its parameters panel, creating its credential (a malformed and a valid signing secret),
// "Listen for test event" with a signed example sent to the test URL shown, and importing
// the README's example workflow. Screenshots of each step go to a temp folder (path printed);
// UPDATE_SCREENSHOTS=1 (re)writes them in docs/ instead, for the README. install.mjs is the
// install through Settings → Community Nodes; Chromium, failures and clean-up: editor.mjs.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe } from 'node:test';

import { EVENT_TYPES, catalogEvents, newSigningSecret, sendEvent } from '../../tools/harness/signedEvents.mjs';
import { startSuiteInstance } from '../../tools/harness/n8n.mjs';
import { REPO_ROOT } from '../../tools/harness/package.mjs';
import { log } from '../../tools/harness/process.mjs';
import { N8N_VERSION } from '../../tools/harness/runtime.mjs';
import {
	UUID,
	addAnonTrigger,
	closeDropdown,
	closeToasts,
	ctx,
	editorSuiteHooks,
	openDropdownOptions,
	openNewWorkflow,
	screenshot,
	searchAnon,
	shownWebhookUrl,
	signInTest,
	test,
} from '../helpers/editor.mjs';

const EXAMPLE_FILE = path.join(REPO_ROOT, 'examples', 'anon-workflow-run-failed-alert.json');

const OWNER = { email: 'ui@anon.local', password: 'Ui-password-1' };
// The Events selector: "All Events", then the node catalog's types in its order (read from
// dist/ once the set-up has built it); the trigger actions "On …" likewise.
let EVENT_OPTIONS;
let TRIGGER_ACTIONS;
// Options → Add option: the display names of the trigger's Options collection, as the editor
// sorts them (read from dist/ with the catalog).
let OPTION_NAMES;
const CREDENTIAL_BUTTON = 'Connect to Anon Webhook';

describe(`the editor in n8n ${N8N_VERSION}, in Chromium`, () => {
	editorSuiteHooks({
		async setUp() {
			log(`UI: n8n ${N8N_VERSION}`);
			Object.assign(ctx, await startSuiteInstance({ name: 'ui', owner: OWNER }));
			const catalog = catalogEvents();
			// Every type in the node's catalog has an example and an item in fixtures/.
			assert.deepEqual(catalog.map((event) => event.value).sort(), EVENT_TYPES, 'event types of the node catalog and of fixtures/events');
			// The editor lists events by name ("Link Opened"); the saved value stays Anon's type.
			EVENT_OPTIONS = ['All Events', ...catalog.map((event) => event.name)];
			TRIGGER_ACTIONS = ['On all events', ...catalog.map((event) => `On ${event.value.replace(/[._]/g, ' ')}`)];
			const { triggerProperties } = createRequire(import.meta.url)(path.join(REPO_ROOT, 'dist', 'nodes', 'Anon', 'trigger', 'description.js'));
			OPTION_NAMES = triggerProperties.find((property) => property.name === 'options').options.map((option) => option.displayName).sort();
			assert.ok(OPTION_NAMES.includes('Acknowledge'), `the Options collection read from dist/: ${OPTION_NAMES}`);
		},
	});

	signInTest(OWNER);

	for (const theme of ['light', 'dark']) {
		test(`nodes panel: "Anon" search shows the trigger with its ${theme} icon (${theme} theme)`, async () => {
			await openNewWorkflow(theme);
			const entry = await searchAnon();
			// In "What triggers this workflow?" n8n lists the package as one entry that carries
			// the trigger's description and opens its trigger actions.
			await entry.getByText('Starts the workflow when Anon reports a link, job run or workflow run event').waitFor();
			const icon = entry.locator('img').first();
			await icon.waitFor();
			const image = await icon.evaluate((img) => ({
				src: img.getAttribute('src'),
				loaded: img.complete && img.naturalWidth > 0,
			}));
			const file = theme === 'dark' ? 'anon.dark.svg' : 'anon.svg';
			assert.equal(image.src, `/icons/n8n-nodes-anon/dist/nodes/Anon/${file}`, 'icon source');
			assert.ok(image.loaded, `icon ${image.src} did not load`);
			await screenshot(`ui-search-${theme}`);

			await entry.click();
			const creator = ctx.page.getByTestId('node-creator');
			await creator.getByText('Triggers (7)').waitFor();
			for (const action of TRIGGER_ACTIONS) {
				await creator.getByText(action, { exact: true }).waitFor();
			}
			await screenshot(`ui-search-details-${theme}`);
		});
	}

	for (const theme of ['light', 'dark']) {
		test(`node panel: set-up notice, events, options and webhook URLs (${theme} theme)`, async () => {
			await openNewWorkflow(theme);
			const ndv = await addAnonTrigger('On all events');

			const notice = ndv.getByText(/Set up in Anon: open/);
			await notice.waitFor();
			assert.match(await notice.innerText(), /dashboard\.anon\.com\/webhooks/);
			assert.equal(
				await notice.getByRole('link', { name: 'dashboard.anon.com/webhooks' }).getAttribute('href'),
				'https://dashboard.anon.com/webhooks',
			);

			const baseUrl = ctx.n8n.baseUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
			const testUrl = await shownWebhookUrl(ndv, 'test');
			const productionUrl = await shownWebhookUrl(ndv, 'production');
			assert.match(testUrl, new RegExp(`^${baseUrl}/webhook-test/${UUID}/anon$`), 'test URL');
			assert.match(productionUrl, new RegExp(`^${baseUrl}/webhook/${UUID}/anon$`), 'production URL');
			await shownWebhookUrl(ndv, 'test');

			// The trigger action chose "All Events"; the selector lists every known type.
			await ndv.getByTestId('parameter-input-events').getByText('All Events').waitFor();
			await ndv.getByTestId('parameter-input-events').click();
			assert.deepEqual(await openDropdownOptions(), EVENT_OPTIONS, 'Events options');
			await screenshot(`ui-node-events-${theme}`);
			await closeDropdown();

			await ndv.getByTestId('collection-parameter-add').click();
			assert.deepEqual(await openDropdownOptions(), OPTION_NAMES, 'Options → Add option');
			await screenshot(`ui-node-panel-${theme}`);
			await closeDropdown();
		});
	}

	test('credential: a malformed signing secret is reported clearly; a valid one saves', async () => {
		const { page } = ctx;
		await openNewWorkflow('light');
		const ndv = await addAnonTrigger('On workflow run failed');
		// The dialog fetches the new credential's name; saving before it arrives sends an empty one.
		const named = page.waitForResponse((response) => response.url().includes('/rest/credentials/new'));
		await ndv.getByText(CREDENTIAL_BUTTON).click();
		await named;
		const dialog = page.getByTestId('credential-edit-dialog');
		const secretInput = dialog.getByTestId('parameter-input-signingSecret').locator('input');

		/** Types the secret, saves (n8n then tests the credential) and returns the test's answer. */
		const saveWith = async (secret) => {
			await secretInput.fill(secret);
			const answer = page.waitForResponse(
				(response) => response.url().endsWith('/rest/credentials/test') && response.request().method() === 'POST',
			);
			await page.getByTestId('credential-save-button').click();
			return (await (await answer).json()).data;
		};

		const bad = await saveWith('whsec_not*base64');
		assert.equal(bad.status, 'Error', JSON.stringify(bad));
		assert.match(bad.message, /not valid base64/);
		// What the user sees: n8n's banner, and the node's message under "More details".
		await dialog.getByText('Couldn’t connect with these settings').waitFor();
		await dialog.getByText('More details').click();
		const detail = dialog.getByText(/The signing secret is not valid base64/);
		await detail.waitFor();
		assert.match(await detail.innerText(), /not valid base64 after its "whsec_" prefix/);
		await closeToasts();
		await screenshot('ui-credential-error-light');

		ctx.secret = newSigningSecret();
		const good = await saveWith(ctx.secret);
		assert.equal(good.status, 'OK', JSON.stringify(good));
		assert.match(good.message, /^Valid signing secret/);
		// A passing test closes the dialog; the node now uses the saved credential.
		await dialog.waitFor({ state: 'hidden' });
		const selected = ndv.getByTestId('node-credentials-select').locator('input');
		await selected.waitFor();
		assert.equal(await selected.inputValue(), 'Anon Webhook account');
		ctx.credentialSaved = true;
	});

	test('"Listen for test event" + a signed workflow_run.failed to the test URL shown → item in the output', async () => {
		const { page } = ctx;
		if (!ctx.credentialSaved) {
			// Test 3 failed: replace what it left with one good credential (API), so this step runs.
			const { data } = await ctx.client.call('GET', '/api/v1/credentials', {
				auth: 'apiKey',
			});
			for (const credential of data.filter((credential) => credential.type === 'anonWebhookApi')) {
				await ctx.client.call('DELETE', `/api/v1/credentials/${credential.id}`, {
					auth: 'apiKey',
				});
			}
			ctx.secret = newSigningSecret();
			await ctx.client.createCredential({
				name: 'Anon Webhook account',
				signingSecret: ctx.secret,
			});
		}
		await openNewWorkflow('light');
		const ndv = await addAnonTrigger('On workflow run failed');
		// n8n picks the only credential of the type for a new node.
		await ndv.getByTestId('node-credentials-select').waitFor();
		const testUrl = await shownWebhookUrl(ndv, 'test');
		assert.match(testUrl, new RegExp(`/webhook-test/${UUID}/anon$`));

		// The trigger panel's button ("Listen for test event"; n8n 2.x labels it "Execute step").
		await ndv.getByTestId('trigger-execute-button').click();
		await ndv.getByText('Listening for test event').waitFor();
		await closeToasts();
		await screenshot('ui-listening-light');

		const response = await sendEvent(testUrl, {
			type: 'workflow_run.failed',
			secret: ctx.secret,
		});
		assert.equal(response.status, 200, JSON.stringify(response.body));
		assert.equal(response.body.status, 'accepted', JSON.stringify(response.body));

		const output = page.getByTestId('output-panel');
		await output.getByTestId('ndv-items-count').getByText('1 item').waitFor();
		await output.getByTestId('radio-button-json').click();
		const data = output.getByTestId('ndv-data-container');
		await data.getByText('Workflow execution failed: Timeout waiting for element').waitFor();
		const text = await data.innerText();
		for (const expected of ['error_message', 'FAILED', 'workflow_run.failed', '550e8400-e29b-41d4-a716-446655440005']) {
			assert.ok(text.includes(expected), `output shows ${expected}:\n${text.slice(0, 600)}`);
		}
		await closeToasts();
		await screenshot('ui-test-event-light');
	});

	test('importing examples/anon-workflow-run-failed-alert.json shows Anon Trigger → Send Alert', async () => {
		const { page } = ctx;
		await openNewWorkflow('light');
		// The hidden file input behind the workflow menu's "Import from File...".
		await page.getByTestId('workflow-import-input').setInputFiles(EXAMPLE_FILE);
		const trigger = page.locator('[data-test-id="canvas-node"][data-node-name="Anon Trigger"]');
		await trigger.waitFor();
		assert.equal(await trigger.getAttribute('data-node-type'), 'n8n-nodes-anon.anonTrigger');
		await page.locator('[data-test-id="canvas-node"][data-node-name="Send Alert"]').waitFor();
		await page
			.locator('[data-test-id="edge"][data-source-node-name="Anon Trigger"][data-target-node-name="Send Alert"]')
			.waitFor({ state: 'attached' });
		await page.getByTestId('canvas-node').getByText('workflow_run.failed').waitFor();
		await closeToasts();
		await screenshot('ui-example-workflow-light');
	});
});
