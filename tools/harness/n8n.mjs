// One n8n (SQLite, one process) started from the cached install, and a client for its REST
// and public APIs. Queue mode (several processes) is in queueTopology.mjs.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { buildAndPack, installPackage } from './package.mjs';
import { childEnv, freePort, log, onInterrupt, sleep, spawnServer, tail, waitFor } from './process.mjs';
import { N8N_VERSION, ensureN8n, ensureNode24, n8nBin } from './runtime.mjs';
import { ANON_TRIGGER_TYPE, waitForAnonWebhook } from './webhookReady.mjs';

/** Settings every n8n process here gets: local cookies, no phone-home, nothing fetched, a plain log. */
export const QUIET_OFFLINE_ENV = {
	N8N_SECURE_COOKIE: 'false',
	N8N_DIAGNOSTICS_ENABLED: 'false',
	N8N_PERSONALIZATION_ENABLED: 'false',
	N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
	N8N_TEMPLATES_ENABLED: 'false',
	N8N_HIRING_BANNER_ENABLED: 'false',
	N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
	// Community packages are loaded from the nodes folder; nothing may be fetched.
	N8N_REINSTALL_MISSING_PACKAGES: 'false',
	N8N_LOG_OUTPUT: 'console',
	// The log is a file the suites read: no colour codes, even when the caller's environment
	// has FORCE_COLOR set (n8n's logger then colours its debug lines, JSON included).
	FORCE_COLOR: '0',
};

/** The encryption key of a user folder: generated once, then reused so credentials stay readable. */
async function encryptionKeyFor(userFolder) {
	const file = path.join(userFolder, 'encryption-key');
	if (existsSync(file)) return (await fs.readFile(file, 'utf8')).trim();
	const key = randomBytes(24).toString('hex');
	await fs.writeFile(file, key + '\n', { mode: 0o600 });
	return key;
}

/**
 * Starts n8n in its own process group with everything bound to 127.0.0.1 and all
 * phone-home features off, waits for /healthz/readiness, and returns
 * { baseUrl, port, logFile, userFolder, pid, stop }. `env` adds to n8n's environment (log
 * level, benchmark settings); `nodeArgs` go to Node 24 before n8n's script (--cpu-prof).
 */
export async function startN8n({ userFolder, port, version = N8N_VERSION, env: extraEnv = {}, nodeArgs = [] }) {
	const node24 = await ensureNode24();
	await fs.mkdir(userFolder, { recursive: true });
	port ??= await freePort();
	// The internal task broker defaults to 5679; give every instance its own.
	const brokerPort = await freePort(port + 1);
	const baseUrl = `http://127.0.0.1:${port}`;
	const logFile = path.join(userFolder, 'n8n.log');
	// childEnv: n8n's own community-package installer runs npm, which must not inherit ours.
	const env = childEnv({
		N8N_USER_FOLDER: userFolder,
		N8N_PORT: String(port),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PROTOCOL: 'http',
		N8N_EDITOR_BASE_URL: `${baseUrl}/`,
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		DB_TYPE: 'sqlite',
		N8N_ENCRYPTION_KEY: await encryptionKeyFor(userFolder),
		...QUIET_OFFLINE_ENV,
	});
	if (version.startsWith('1.')) {
		env.WEBHOOK_URL = `${baseUrl}/`;
	} else {
		// 2.x renamed WEBHOOK_URL (the old name still works but logs a deprecation).
		env.N8N_WEBHOOK_URL = `${baseUrl}/`;
		// Explicit, as 2.x asks; the package is not on n8n's verified list.
		env.N8N_UNVERIFIED_PACKAGES_ENABLED = 'true';
		// Fetches an MCP server list from api.n8n.io every start and logs a stack trace offline.
		env.N8N_DISABLED_MODULES = 'mcp-registry';
	}
	// Callers' additions last (log level, benchmark settings).
	Object.assign(env, extraEnv);
	// This machine's npm/Node settings must not leak into n8n's Node 24 process.
	delete env.NODE_OPTIONS;
	// SIGTERM lets n8n finish running executions and close SQLite; SIGKILL after 15 s.
	const server = await spawnServer(node24, [...nodeArgs, n8nBin(version), 'start'], {
		cwd: userFolder,
		env,
		logFile,
		killAfterMs: 15_000,
	});
	const stop = () => server.stop();

	log(`starting n8n@${version} on ${baseUrl} (log: ${logFile})`);
	const deadline = Date.now() + 180_000;
	while (true) {
		if (server.hasExited()) {
			await stop();
			throw new Error(`n8n exited during start-up (${JSON.stringify(server.hasExited())}); log tail:\n${await tail(logFile)}`);
		}
		if (Date.now() > deadline) {
			await stop();
			throw new Error(`n8n was not ready within 180 s; see ${logFile}`);
		}
		try {
			// /healthz answers as soon as the port is open. Then 2.x answers every route with the
			// text "n8n is starting up" (200) and 1.x with 404 until its REST routes exist, and
			// /healthz/readiness turns 200 before that in 1.x: wait for both readiness and the
			// JSON answer of a REST route.
			const [readiness, settings] = await Promise.all([
				fetch(`${baseUrl}/healthz/readiness`),
				fetch(`${baseUrl}/rest/settings`),
			]);
			if (readiness.ok && settings.ok && settings.headers.get('content-type')?.includes('json')) break;
		} catch {
			// not listening yet
		}
		await sleep(500);
	}
	log(`n8n is up on ${baseUrl}`);
	return { baseUrl, port, logFile, userFolder, pid: server.pid, stop };
}

// Every activation waits for the webhook to answer as the trigger does (webhookReady.mjs);
// suites that restart n8n call the wait themselves.
export { WEBHOOK_READY_TIMEOUT_MS, waitForAnonWebhook } from './webhookReady.mjs';

// ---------------------------------------------------------------------------------------
// Talking to n8n: session cookie for /rest, API key for the public API /api/v1
// ---------------------------------------------------------------------------------------

/** Execution statuses that are not final yet. */
const OPEN_STATUSES = ['new', 'running', 'waiting'];

export class N8nClient {
	constructor(baseUrl, version = N8N_VERSION) {
		this.baseUrl = baseUrl;
		this.version = version;
		this.cookie = null;
		this.apiKey = null;
		// Credential id → signing secret, for proving an activated Anon Trigger live (activate()).
		this.signingSecrets = new Map();
	}

	/** One JSON request; `auth` is 'cookie', 'apiKey' or 'none'. Returns { status, body }. */
	async request(method, urlPath, { body, auth = 'none', headers = {} } = {}) {
		const allHeaders = { accept: 'application/json', ...headers };
		if (body !== undefined) allHeaders['content-type'] = 'application/json';
		if (auth === 'cookie') allHeaders.cookie = this.cookie;
		if (auth === 'apiKey') allHeaders['x-n8n-api-key'] = this.apiKey;
		const response = await fetch(this.baseUrl + urlPath, {
			method,
			headers: allHeaders,
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		const text = await response.text();
		let parsed = text;
		try {
			parsed = JSON.parse(text);
		} catch {
			// not JSON; keep the text
		}
		return { status: response.status, body: parsed, headers: response.headers };
	}

	/** Like request(), but throws unless the status is 2xx; returns the body. */
	async call(method, urlPath, options) {
		const { status, body } = await this.request(method, urlPath, options);
		if (status < 200 || status >= 300) {
			throw new Error(`${method} ${urlPath} → ${status}: ${typeof body === 'string' ? body : JSON.stringify(body)}`);
		}
		return body;
	}

	/** A fresh instance, ready for the public API: owner, session cookie and API key. */
	async setUp({ email = 'owner@anon.local', password = 'Owner-password-1', apiKeyLabel } = {}) {
		const setup = await this.setupOwner({ email, password });
		if (setup.status !== 200) throw new Error(`owner set-up: ${setup.status} ${JSON.stringify(setup.body)}`);
		await this.login({ email, password });
		await this.checkVersion();
		await this.createApiKey(apiKeyLabel);
	}

	/**
	 * The n8n that answers is the one asked for (N8N_VERSION), or the suite stops here: its
	 * settings (signed in: the public ones carry no version) report `versionCli`.
	 */
	async checkVersion() {
		const reported = (await this.call('GET', '/rest/settings', { auth: 'cookie' })).data?.versionCli;
		if (reported !== this.version) throw new Error(`asked for n8n ${this.version}, but the n8n at ${this.baseUrl} reports ${JSON.stringify(reported)}`);
	}

	/** Creates the owner account on a fresh instance (no-op answer if one exists). */
	async setupOwner({ email, password, firstName = 'Dev', lastName = 'Owner' }) {
		return this.request('POST', '/rest/owner/setup', { body: { email, password, firstName, lastName } });
	}

	async login({ email, password }) {
		const response = await fetch(`${this.baseUrl}/rest/login`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ emailOrLdapLoginId: email, email, password }),
		});
		if (!response.ok) throw new Error(`login as ${email} failed: ${response.status} ${await response.text()}`);
		// Keep only name=value of each Set-Cookie (the session is the n8n-auth cookie).
		this.cookie = response.headers
			.getSetCookie()
			.map((cookie) => cookie.split(';')[0])
			.join('; ');
	}

	/** Creates an API key with every scope the owner may grant; sets and returns it. */
	async createApiKey(label = `harness-${Date.now()}`) {
		const scopes = await this.request('GET', '/rest/api-keys/scopes', { auth: 'cookie' });
		const body = { label, expiresAt: null };
		if (scopes.status === 200) body.scopes = scopes.body.data;
		const created = await this.call('POST', '/rest/api-keys', { auth: 'cookie', body });
		this.apiKey = created.data.rawApiKey;
		return this.apiKey;
	}

	/** True if the current API key is accepted by the public API. */
	async apiKeyWorks() {
		if (!this.apiKey) return false;
		return (await this.request('GET', '/api/v1/workflows?limit=1', { auth: 'apiKey' })).status === 200;
	}

	async createCredential({ name, signingSecret, testSigningSecret }) {
		const data = testSigningSecret === undefined ? { signingSecret } : { signingSecret, testSigningSecret };
		const created = await this.call('POST', '/api/v1/credentials', {
			auth: 'apiKey',
			body: { name, type: 'anonWebhookApi', data },
		});
		this.rememberSigningSecret(created.id, signingSecret);
		return created;
	}

	/**
	 * n8n's descriptions of node types, as the editor loads them, in the order asked (their `name`
	 * may drop the package prefix): `nodeInfos` is [{ name, version }].
	 */
	async nodeTypeDescriptions(nodeInfos) {
		const answer = await this.call('POST', '/rest/node-types', { auth: 'cookie', body: { nodeInfos } });
		return answer.data ?? answer;
	}

	/** Tells the client the secret of an Anon webhook credential it did not create itself. */
	rememberSigningSecret(credentialId, signingSecret) {
		this.signingSecrets.set(String(credentialId), signingSecret);
	}

	/**
	 * Creates a workflow (public API) and, unless `activate: false`, activates it and waits
	 * until it is live (activate()).
	 */
	async createWorkflow(workflow, { activate = true, webhookBaseUrls, timeoutMs } = {}) {
		const created = await this.call('POST', '/api/v1/workflows', {
			auth: 'apiKey',
			body: { settings: { executionOrder: 'v1' }, ...workflow },
		});
		if (activate) await this.activate(created.id, { webhookBaseUrls, timeoutMs });
		return created;
	}

	/**
	 * Activates a workflow (public API) and returns once n8n serves it: every Anon Trigger in it
	 * answers a svix.ping signed with its credential's secret (waitForAnonWebhook) on each of
	 * `webhookBaseUrls` (the processes serving production webhooks: this n8n unless told
	 * otherwise, the webhook processors in queue mode). The one place every suite, tool and
	 * `npm start` activates through.
	 */
	async activate(workflowId, { webhookBaseUrls = [this.baseUrl], timeoutMs } = {}) {
		const activated = await this.call('POST', `/api/v1/workflows/${workflowId}/activate`, { auth: 'apiKey' });
		const workflow = activated?.nodes ? activated : await this.call('GET', `/api/v1/workflows/${workflowId}`, { auth: 'apiKey' });
		for (const node of workflow.nodes.filter((node) => node.type === ANON_TRIGGER_TYPE && !node.disabled)) {
			const credentialId = node.credentials?.anonWebhookApi?.id;
			const secret = this.signingSecrets.get(String(credentialId));
			if (!secret || !node.webhookId) {
				throw new Error(
					`workflow ${workflowId}, node "${node.name}": cannot prove its webhook live (${node.webhookId ? `no signing secret known for credential ${credentialId}: create it with createCredential() or call rememberSigningSecret()` : 'no webhookId'})`,
				);
			}
			for (const baseUrl of webhookBaseUrls) {
				await waitForAnonWebhook(`${baseUrl}/webhook/${node.webhookId}/anon`, {
					secret,
					what: `the production webhook of "${workflow.name}" on ${baseUrl}`,
					timeoutMs,
				});
			}
		}
		return workflow;
	}

	/**
	 * Waits until the execution counts of these workflows stop growing (3 s unchanged; n8n saves
	 * executions after answering) and returns them by workflow id.
	 */
	async settledExecutionCounts(workflowIds) {
		let last;
		let stableSince = Date.now();
		while (true) {
			const counts = {};
			for (const id of workflowIds) counts[id] = (await this.executions(id, { includeData: false })).length;
			if (JSON.stringify(counts) !== JSON.stringify(last)) [last, stableSince] = [counts, Date.now()];
			else if (Date.now() - stableSince > 3000) return counts;
			await sleep(500);
		}
	}

	/**
	 * Executions of a workflow, newest first (every page of the public API), with their run
	 * data unless `includeData: false`; only those of `status` if given.
	 */
	async executions(workflowId, { includeData = true, status } = {}) {
		const all = [];
		let cursor;
		do {
			const query = new URLSearchParams({ workflowId, includeData: String(includeData), limit: includeData ? '100' : '250' });
			if (status) query.set('status', status);
			if (cursor) query.set('cursor', cursor);
			const page = await this.call('GET', `/api/v1/executions?${query}`, { auth: 'apiKey' });
			all.push(...page.data);
			cursor = page.nextCursor;
		} while (cursor);
		return all;
	}

	/**
	 * Waits until the workflow has at least `count` executions and none is still new, running
	 * or waiting; returns them (without data). `timeoutMs` bounds the wait.
	 */
	async finishedExecutions(workflowId, count, { timeoutMs = 120_000, intervalMs = 500 } = {}) {
		return waitFor(
			async () => {
				const executions = await this.executions(workflowId, { includeData: false });
				const open = executions.filter((execution) => OPEN_STATUSES.includes(execution.status));
				return executions.length >= count && open.length === 0 ? executions : null;
			},
			{ timeoutMs, intervalMs, what: `${count} finished executions of workflow ${workflowId}` },
		);
	}

	/**
	 * Arms the workflow's test webhook (/webhook-test/...) for one call, as the editor's
	 * "Listen for test event" does.
	 */
	async armTestWebhook(workflowId, triggerNodeName) {
		const body = { triggerToStartFrom: { name: triggerNodeName } };
		// n8n 1.x runs the workflow sent by the editor rather than the saved one.
		if (this.version.startsWith('1.')) {
			body.workflowData = (await this.call('GET', `/rest/workflows/${workflowId}`, { auth: 'cookie' })).data;
		}
		return this.call('POST', `/rest/workflows/${workflowId}/run`, { auth: 'cookie', body });
	}
}

/** True once an execution has a final status. */
export const isFinished = (execution) => !OPEN_STATUSES.includes(execution.status);

/** The items one node emitted in an execution (first run, first output). */
export function nodeOutput(execution, nodeName) {
	const runs = execution?.data?.resultData?.runData?.[nodeName];
	return runs?.[0]?.data?.main?.[0]?.map((item) => item.json) ?? null;
}

/**
 * A throwaway n8n for a suite: a fresh user folder in the temp dir (`anon-<name>-…`) with the
 * package built, packed and installed as n8n's community installer would, n8n started with
 * `env`, the owner signed in with an API key, and, given a `secret`, an Anon webhook
 * credential. Returns { n8n, client, userFolder, trigger: { credentialId, credentialName } }.
 */
export async function startSuiteInstance({ name, env = {}, owner, secret }) {
	await ensureN8n();
	const userFolder = await fs.mkdtemp(path.join(os.tmpdir(), `anon-${name}-`));
	onInterrupt(() => fs.rm(userFolder, { recursive: true, force: true }));
	const instance = { userFolder };
	await installPackage(userFolder, await buildAndPack());
	instance.n8n = await startN8n({ userFolder, env });
	instance.client = new N8nClient(instance.n8n.baseUrl);
	await instance.client.setUp({ ...owner, apiKeyLabel: name });
	if (secret) {
		const credential = await instance.client.createCredential({ name: `Anon ${name}`, signingSecret: secret });
		instance.trigger = { credentialId: credential.id, credentialName: credential.name };
	}
	return instance;
}

/**
 * The end of a suite's n8n: its user folder is removed after a green run and kept (path
 * printed, for n8n.log) after a red one.
 */
export async function removeUserFolder(userFolder, { keep }) {
	if (!userFolder) return;
	if (!keep) await fs.rm(userFolder, { recursive: true, force: true });
	else log(`n8n user folder kept for inspection: ${userFolder} (log: ${path.join(userFolder, 'n8n.log')})`);
}
