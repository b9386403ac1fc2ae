// Editor-experience suite: a real n8n (N8N_VERSION, default 2.41.1) with this package installed
// as n8n's community installer would, driven in a real headless Chromium with Playwright.
//
//   npm run test:ui            (node --test test/ui/run.mjs)
//
// It checks what a new user sees: the Anon Trigger in the nodes panel (light and dark theme),
// its parameters panel, creating its credential (a malformed and a valid signing secret),
// "Listen for test event" with a signed example sent to the test URL shown, and importing
// the README's example workflow. Screenshots of each step go to a temp folder (path printed);
// UPDATE_SCREENSHOTS=1 (re)writes them in docs/ instead, for the README.
//
// Needs Chromium at /usr/bin/chromium (Debian: apt-get install -y chromium; another path via
// CHROMIUM_PATH) and the devDependency playwright-core (no browser download). It starts its
// own throwaway n8n (fresh user folder in a temp dir, free ports) and Chromium (fresh
// profile), and stops both at the end, also on failure or Ctrl-C. On a failure the screenshot
// and the page's console log of each failed step are saved in a temp folder (path printed),
// and the n8n user folder is kept for its n8n.log. The steps share one browser and run in order.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, test as nodeTest } from 'node:test';

import { chromium, selectors } from 'playwright-core';

import { EVENT_TYPES, catalogEvents, newSigningSecret, sendEvent } from '../harness/events.mjs';
import { removeUserFolder, startSuiteInstance } from '../harness/n8n.mjs';
import { REPO_ROOT } from '../harness/package.mjs';
import { log, onInterrupt, stopAllServers } from '../harness/process.mjs';
import { N8N_VERSION } from '../harness/runtime.mjs';
import { suiteHooks } from '../harness/suite.mjs';

const DOCS_DIR = path.join(REPO_ROOT, 'docs');
// Screenshots go to docs/ (the README shows them) only when asked, so a test run leaves the
// work tree as it was.
const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';
const EXAMPLE_FILE = path.join(REPO_ROOT, 'examples', 'anon-workflow-run-failed-alert.json');
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// Flags that keep Chromium off the network (this machine's is closed: without them Chromium
// keeps retrying its own services and floods the log with refused connections).
const CHROMIUM_ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];
const VIEWPORT = { width: 1440, height: 900 };
// Per action and per page load; a step that waits longer is broken, not slow (the editor's
// bundle takes seconds to load on a busy machine, hence the longer navigation limit).
const ACTION_TIMEOUT_MS = 20_000;
const NAVIGATION_TIMEOUT_MS = 45_000;

const OWNER = { email: 'ui@anon.local', password: 'Ui-password-1' };
// The Events selector: "All Events", then the node catalog's types in its order (read from
// dist/ once the set-up has built it); the trigger actions "On …" likewise.
let EVENT_OPTIONS;
let TRIGGER_ACTIONS;
const OPTION_NAMES = [
	'Additional Event Types',
	'Ignore Test Job Runs',
	'Include Delivery Details',
	'Output',
	'Redelivery Window (Minutes)',
	'Timestamp Tolerance (Seconds)',
];
const CREDENTIAL_BUTTON = 'Connect to Anon Webhook';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

// n8n marks its elements with data-test-id (Playwright's default is data-testid).
selectors.setTestIdAttribute('data-test-id');

const ctx = { consoleLines: [] };

async function startEditorSession() {
	await fs.access(CHROMIUM_PATH).catch(() => {
		throw new Error(`no Chromium at ${CHROMIUM_PATH} (Debian: apt-get install -y chromium; or set CHROMIUM_PATH)`);
	});
	ctx.screenshotDir = UPDATE_SCREENSHOTS ? DOCS_DIR : await fs.mkdtemp(path.join(os.tmpdir(), 'anon-ui-screenshots-'));
	Object.assign(ctx, await startSuiteInstance({ name: 'ui', owner: OWNER }));
	const catalog = catalogEvents();
	// Every type in the node's catalog has an example and an item in test/fixtures.
	assert.deepEqual(catalog.map((event) => event.value).sort(), EVENT_TYPES, 'event types of the node catalog and of test/fixtures/events');
	// The editor lists events by name ("Link Opened"); the saved value stays Anon's type.
	EVENT_OPTIONS = ['All Events', ...catalog.map((event) => event.name)];
	TRIGGER_ACTIONS = ['On all events', ...catalog.map((event) => `On ${event.value.replace(/[._]/g, ' ')}`)];

	ctx.profileDir = await fs.mkdtemp(path.join(os.tmpdir(), 'anon-ui-chromium-'));
	onInterrupt(async () => {
		await ctx.browser?.close().catch(() => {});
		await fs.rm(ctx.profileDir, { recursive: true, force: true });
	});
	log(`starting Chromium (${CHROMIUM_PATH}, profile ${ctx.profileDir})`);
	ctx.browser = await chromium.launchPersistentContext(ctx.profileDir, {
		executablePath: CHROMIUM_PATH,
		headless: true,
		args: CHROMIUM_ARGS,
		viewport: VIEWPORT,
		// Deterministic screenshots: fixed locale, time zone and no animations' easing in flight.
		locale: 'en-US',
		timezoneId: 'UTC',
		reducedMotion: 'reduce',
		// The harness stops Chromium itself on signals (Playwright's own SIGINT handler would
		// exit before n8n is stopped and the temp folders are removed).
		handleSIGINT: false,
		handleSIGTERM: false,
		handleSIGHUP: false,
	});
	ctx.browser.setDefaultTimeout(ACTION_TIMEOUT_MS);
	ctx.browser.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
	// Only n8n itself is reachable; anything else (the editor asks registry.npmjs.org about
	// community packages) is answered at once instead of waiting on the closed network.
	const origin = new URL(ctx.n8n.baseUrl).origin;
	await ctx.browser.route(
		(url) => url.origin !== origin && url.protocol.startsWith('http'),
		(route) => route.abort('blockedbyclient'),
	);
	const page = (ctx.page = ctx.browser.pages()[0] ?? (await ctx.browser.newPage()));
	page.on('console', (message) => ctx.consoleLines.push(`[${message.type()}] ${message.text()}`));
	page.on('pageerror', (error) => ctx.consoleLines.push(`[pageerror] ${error.stack ?? error}`));
	// "Leave without saving?" prompts must not block navigation between steps.
	page.on('dialog', (dialog) => dialog.accept().catch(() => {}));
	log('Chromium ready');
}

async function stopEditorSession() {
	await ctx.browser?.close().catch(() => {});
	ctx.browser = null;
	await stopAllServers();
	if (ctx.profileDir) await fs.rm(ctx.profileDir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------
// Editor helpers
// ---------------------------------------------------------------------------------------

/** Opens a new workflow in the given theme (n8n reads localStorage N8N_THEME at load). */
async function openNewWorkflow(theme = 'light') {
	const { page } = ctx;
	// localStorage belongs to n8n's origin: be on it first.
	if (!page.url().startsWith(ctx.n8n.baseUrl)) await page.goto(`${ctx.n8n.baseUrl}/home/workflows`);
	await page.evaluate((value) => localStorage.setItem('N8N_THEME', value), theme);
	await page.goto(`${ctx.n8n.baseUrl}/workflow/new`);
	await page.waitForFunction((value) => document.body.dataset.theme === value, theme);
	await page.getByTestId('canvas-plus-button').waitFor();
}

/** Nodes panel → search "Anon"; returns the locator of the "Anon" entry. */
async function searchAnon() {
	const { page } = ctx;
	await page.getByTestId('canvas-plus-button').click();
	await page.getByTestId('node-creator-search-bar').fill('Anon');
	const entry = page.getByTestId('item-iterator-item').filter({
		has: page.getByTestId('node-creator-item-name').getByText('Anon', { exact: true }),
	});
	await entry.first().waitFor();
	assert.equal(await entry.count(), 1, 'one "Anon" entry in the search results');
	return entry;
}

/** Adds the Anon Trigger through the nodes panel with one of its trigger actions ("On …"). */
async function addAnonTrigger(action) {
	const entry = await searchAnon();
	await entry.click();
	await ctx.page.getByTestId('node-creator').getByText(action, { exact: true }).click();
	const ndv = ctx.page.getByTestId('ndv');
	await ndv
		.getByTestId('inline-edit-preview')
		.filter({ hasText: /^Anon Trigger$/ })
		.waitFor();
	return ndv;
}

/** The names (first line) of the options of the open dropdown. */
async function openDropdownOptions() {
	const options = ctx.page.getByRole('option');
	await options.first().waitFor();
	return (await options.allInnerTexts()).map((text) => text.split('\n')[0].trim());
}

async function closeDropdown() {
	await ctx.page.keyboard.press('Escape');
	await ctx.page.getByRole('option').first().waitFor({ state: 'hidden' });
}

/** Closes n8n's toasts, so they do not cover what a screenshot is about. */
async function closeToasts() {
	const { page } = ctx;
	const buttons = page.locator('.el-notification .el-notification__closeBtn');
	for (let i = await buttons.count(); i > 0; i--) {
		await buttons
			.first()
			.click()
			.catch(() => {});
	}
	await page
		.locator('.el-notification')
		.first()
		.waitFor({ state: 'hidden', timeout: 5_000 })
		.catch(() => {});
}

/**
 * Writes <name>.jpg (the whole viewport) into docs/ with UPDATE_SCREENSHOTS=1, else into a
 * temp folder. JPEG, not PNG: `n8n-node build` copies every .png and .svg of the repository
 * into dist/, which would ship the screenshots to npm.
 */
async function screenshot(name) {
	await ctx.page.mouse.move(1, 1);
	await ctx.page.screenshot({
		path: path.join(ctx.screenshotDir, `${name}.jpg`),
		type: 'jpeg',
		quality: 85,
		animations: 'disabled',
	});
}

/** The URL shown in the node's "Webhook URLs" section for `which` ('test' or 'production'). */
async function shownWebhookUrl(ndv, which) {
	const section = ndv.locator('.node-webhooks');
	if (!(await section.isVisible())) await ndv.getByText('Webhook URLs', { exact: true }).click();
	await ndv.getByTestId(`radio-button-${which}`).click();
	await ndv.locator(`[data-test-id="radio-button-${which}"][aria-checked="true"]`).waitFor();
	return (await section.locator('.webhook-url').innerText()).trim();
}

/** Saves a screenshot and the console log of a failed step; returns the folder. */
async function saveFailure(name) {
	ctx.failureDir ??= await fs.mkdtemp(path.join(os.tmpdir(), 'anon-ui-failure-'));
	const slug = name
		.replace(/[^a-z0-9]+/gi, '-')
		.replace(/^-|-$/g, '')
		.slice(0, 60)
		.toLowerCase();
	await ctx.page?.screenshot({ path: path.join(ctx.failureDir, `${slug}.png`) }).catch(() => {});
	await fs.writeFile(
		path.join(ctx.failureDir, `${slug}.console.log`),
		`${ctx.page ? `URL: ${ctx.page.url()}\n` : ''}${ctx.consoleLines.join('\n')}\n`,
	);
	console.log(`      screenshot and console log: ${ctx.failureDir}/${slug}.*`);
}

// A step is a few page loads and clicks.
const TEST_TIMEOUT_MS = 3 * 60_000;

/** Steps after the sign-in need the session; without it they fail at once, saying why. */
const test = (name, fn) =>
	nodeTest(name, { timeout: TEST_TIMEOUT_MS }, async () => {
		if (!ctx.signedIn && !name.startsWith('1. sign in')) throw new Error('skipped: not signed in');
		await fn();
	});

describe(`the editor in n8n ${N8N_VERSION}, in Chromium`, () => {
	suiteHooks({
		async setUp() {
			log(`UI: n8n ${N8N_VERSION}`);
			await startEditorSession();
		},
		async tearDown({ ok }) {
			await stopEditorSession();
			await removeUserFolder(ctx.userFolder, { keep: !ok });
			if (ctx.screenshotDir) log(`screenshots: ${ctx.screenshotDir}${UPDATE_SCREENSHOTS ? '' : ' (UPDATE_SCREENSHOTS=1 writes them to docs/)'}`);
			if (ctx.failureDir) log(`failure screenshots and console logs: ${ctx.failureDir}`);
		},
		onFailure: saveFailure,
	});
	beforeEach(() => {
		ctx.consoleLines.length = 0;
	});

	test('1. sign in through the editor as the owner', async () => {
		const { page } = ctx;
		await page.goto(`${ctx.n8n.baseUrl}/signin`);
		await page.getByLabel('Email').fill(OWNER.email);
		await page.getByLabel('Password').fill(OWNER.password);
		await page.getByTestId('form-submit-button').click();
		await page.waitForURL((url) => !url.pathname.startsWith('/signin'));
		ctx.signedIn = true;
	});

	for (const theme of ['light', 'dark']) {
		test(`1. nodes panel: "Anon" search shows the trigger with its ${theme} icon (${theme} theme)`, async () => {
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
		test(`2. node panel: set-up notice, events, options and webhook URLs (${theme} theme)`, async () => {
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

	test('3. credential: a malformed signing secret is reported clearly; a valid one saves', async () => {
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

	test('4. "Listen for test event" + a signed workflow_run.failed to the test URL shown → item in the output', async () => {
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

	test('5. importing examples/anon-workflow-run-failed-alert.json shows Anon Trigger → Send Alert', async () => {
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
