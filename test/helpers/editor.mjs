// What the browser suites share: one headless Chromium (Debian's, through playwright-core)
// against a throwaway n8n, the editor steps they build on (sign-in, a new workflow, the
// nodes panel, screenshots) and their set-up/tear-down with failure screenshots.
//
// Needs Chromium at /usr/bin/chromium (Debian: apt-get install -y chromium; another path via
// CHROMIUM_PATH) and the devDependency playwright-core (no browser download). Each suite
// starts its own n8n, then startBrowser() a Chromium with a fresh profile; both are stopped
// at the end, also on failure or Ctrl-C. On a failure the screenshot and the page's console
// log of each failed step are saved in a temp folder (path printed), and the n8n user folder
// is kept for its n8n.log. A suite's steps share one browser and run in order.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, test as nodeTest } from 'node:test';

import { chromium, selectors } from 'playwright-core';

import { removeUserFolder } from '../../tools/harness/n8n.mjs';
import { REPO_ROOT } from '../../tools/harness/package.mjs';
import { log, onInterrupt, stopAllServers } from '../../tools/harness/process.mjs';
import { suiteHooks } from '../../tools/harness/suite.mjs';

const DOCS_DIR = path.join(REPO_ROOT, 'docs');
// Screenshots go to docs/ (the README shows them) only when asked, so a test run leaves the
// work tree as it was.
export const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';
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

export const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

// n8n marks its elements with data-test-id (Playwright's default is data-testid).
selectors.setTestIdAttribute('data-test-id');

/**
 * The suite's state: `n8n`, `client` and `userFolder` (set by the suite's set-up), `page`,
 * `signedIn`, and whatever its steps pass on to each other.
 */
export const ctx = { consoleLines: [] };

/** Starts Chromium on a fresh profile for ctx.n8n; everything but n8n's origin is refused. */
export async function startBrowser() {
	await fs.access(CHROMIUM_PATH).catch(() => {
		throw new Error(`no Chromium at ${CHROMIUM_PATH} (Debian: apt-get install -y chromium; or set CHROMIUM_PATH)`);
	});
	ctx.screenshotDir = UPDATE_SCREENSHOTS ? DOCS_DIR : await fs.mkdtemp(path.join(os.tmpdir(), 'anon-ui-screenshots-'));
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

async function stopBrowser() {
	await ctx.browser?.close().catch(() => {});
	ctx.browser = null;
	if (ctx.profileDir) await fs.rm(ctx.profileDir, { recursive: true, force: true });
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

/**
 * The hooks of a browser suite's describe(): `setUp()` starts its n8n (ctx.n8n, ctx.userFolder)
 * and whatever else it needs, then Chromium starts; at the end Chromium, every server the
 * harness started and `tearDown()`'s own (a registry) are stopped, and the user folder is
 * removed after a green run.
 */
export function editorSuiteHooks({ setUp, tearDown }) {
	suiteHooks({
		async setUp() {
			await setUp();
			await startBrowser();
		},
		async tearDown({ ok }) {
			await stopBrowser();
			await stopAllServers();
			await tearDown?.({ ok });
			await removeUserFolder(ctx.userFolder, { keep: !ok });
			if (ctx.screenshotDir) log(`screenshots: ${ctx.screenshotDir}${UPDATE_SCREENSHOTS ? '' : ' (UPDATE_SCREENSHOTS=1 writes them to docs/)'}`);
			if (ctx.failureDir) log(`failure screenshots and console logs: ${ctx.failureDir}`);
		},
		onFailure: saveFailure,
	});
	beforeEach(() => {
		ctx.consoleLines.length = 0;
	});
}

// A step is a few page loads and clicks.
const TEST_TIMEOUT_MS = 3 * 60_000;

const SIGN_IN_TEST = 'sign in through the editor as the owner';

/** Steps after the sign-in need the session; without it they fail at once, saying why. */
export const test = (name, fn) =>
	nodeTest(name, { timeout: TEST_TIMEOUT_MS }, async () => {
		if (!ctx.signedIn && name !== SIGN_IN_TEST) throw new Error(`skipped: "${SIGN_IN_TEST}" did not sign in`);
		await fn();
	});

/** The first step of a UI suite: sign in as `owner`, through the editor's sign-in page. */
export const signInTest = (owner) => test(SIGN_IN_TEST, () => signIn(owner));

/** Signs in through the editor's sign-in page. */
export async function signIn({ email, password }) {
	const { page } = ctx;
	await page.goto(`${ctx.n8n.baseUrl}/signin`);
	await page.getByLabel('Email').fill(email);
	await page.getByLabel('Password').fill(password);
	await page.getByTestId('form-submit-button').click();
	await page.waitForURL((url) => !url.pathname.startsWith('/signin'));
	ctx.signedIn = true;
}

// ---------------------------------------------------------------------------------------
// Editor helpers
// ---------------------------------------------------------------------------------------

/** Opens a new workflow in the given theme (n8n reads localStorage N8N_THEME at load). */
export async function openNewWorkflow(theme = 'light') {
	const { page } = ctx;
	// localStorage belongs to n8n's origin: be on it first.
	if (!page.url().startsWith(ctx.n8n.baseUrl)) await page.goto(`${ctx.n8n.baseUrl}/home/workflows`);
	await page.evaluate((value) => localStorage.setItem('N8N_THEME', value), theme);
	await page.goto(`${ctx.n8n.baseUrl}/workflow/new`);
	await page.waitForFunction((value) => document.body.dataset.theme === value, theme);
	await page.getByTestId('canvas-plus-button').waitFor();
}

/** Nodes panel → search "Anon"; returns the locator of the "Anon" entry. */
export async function searchAnon() {
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
export async function addAnonTrigger(action) {
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
export async function openDropdownOptions() {
	const options = ctx.page.getByRole('option');
	await options.first().waitFor();
	return (await options.allInnerTexts()).map((text) => text.split('\n')[0].trim());
}

export async function closeDropdown() {
	await ctx.page.keyboard.press('Escape');
	await ctx.page.getByRole('option').first().waitFor({ state: 'hidden' });
}

/** Closes n8n's toasts, so they do not cover what a screenshot is about. */
export async function closeToasts() {
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
export async function screenshot(name) {
	await ctx.page.mouse.move(1, 1);
	await ctx.page.screenshot({
		path: path.join(ctx.screenshotDir, `${name}.jpg`),
		type: 'jpeg',
		quality: 85,
		animations: 'disabled',
	});
}

/** The URL shown in the node's "Webhook URLs" section for `which` ('test' or 'production'). */
export async function shownWebhookUrl(ndv, which) {
	const section = ndv.locator('.node-webhooks');
	if (!(await section.isVisible())) await ndv.getByText('Webhook URLs', { exact: true }).click();
	await ndv.getByTestId(`radio-button-${which}`).click();
	await ndv.locator(`[data-test-id="radio-button-${which}"][aria-checked="true"]`).waitFor();
	return (await section.locator('.webhook-url').innerText()).trim();
}
