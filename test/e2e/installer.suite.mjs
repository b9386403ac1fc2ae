// The user's path, end to end: the package published to a real registry with
// `npm publish`, installed, updated and uninstalled by n8n's own community-package
// installer through the REST calls the editor's Settings → Community Nodes page makes, and
// checked by n8n's verification scanner.
//
//   node --test test/e2e/installer.suite.mjs        (npm run test:e2e:installer)
//
// n8n runs in its e2e mode with the one licence feature a custom registry needs switched on
// (startInstallerInstance in tools/harness/registry.mjs says why); everything else is the
// installer as users run it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

// The scanner's own axios (a dependency of @n8n/scan-community-package, hoisted): the same
// module instance the scanner imports, which the scanner step checks.
import axios from 'axios';

import { expectedItem, newSigningSecret, sendEvent } from '../../tools/harness/signedEvents.mjs';
import { nodeOutput } from '../../tools/harness/n8n.mjs';
import { REPO_ROOT } from '../../tools/harness/package.mjs';
import { log, waitFor } from '../../tools/harness/process.mjs';
import { EXAMPLE_FILES, TRIGGER_NODE_NAME, importedAsTheEditorDoes, noOpWorkflow } from '../../tools/harness/workflows.mjs';
import { npmCommands, startInstallerInstance } from '../../tools/harness/registry.mjs';

const execFileAsync = promisify(execFile);
const PACKAGE = 'n8n-nodes-anon';
const TRIGGER_TYPE = `${PACKAGE}.anonTrigger`;
const SECRET = newSigningSecret();
const manifest = JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'package.json'), 'utf8'));
const ctx = { failed: false };

/**
 * One step of the story. Steps build on each other, so after a failure the rest are
 * skipped rather than failing for the same reason; a `sideline` step (nothing after it
 * needs it) fails alone.
 */
function step(name, fn, { sideline = false } = {}) {
	test(name, async (t) => {
		if (ctx.failed) return t.skip('an earlier step failed');
		try {
			await fn(t);
		} catch (error) {
			if (sideline) ctx.keepFolder = true;
			else ctx.failed = true;
			throw error;
		}
	});
}

const webhookUrl = () => `${ctx.n8n.baseUrl}/webhook/${ctx.workflow.webhookId}/anon`;

/** Node type descriptions n8n has for the Anon Trigger; [] when it does not know the type. */
async function triggerDescriptions() {
	const { status, body } = await ctx.client.request('POST', '/rest/node-types', {
		auth: 'cookie',
		body: { nodeInfos: [{ name: TRIGGER_TYPE, version: 1.1 }] },
	});
	if (status === 400 && body?.message === `Unrecognized node type: ${TRIGGER_TYPE}`) return [];
	assert.equal(status, 200, `POST /rest/node-types: ${JSON.stringify(body).slice(0, 300)}`);
	return body.data ?? body;
}

async function installedPackages() {
	return (await ctx.client.call('GET', '/rest/community-packages', { auth: 'cookie' })).data;
}

/** Sends a signed event and returns the one new, finished execution it started. */
async function runEvent(type) {
	const before = new Set((await ctx.client.executions(ctx.workflow.id)).map((execution) => String(execution.id)));
	const answer = await sendEvent(webhookUrl(), { type, secret: SECRET });
	assert.equal(answer.status, 200, `signed ${type} event: ${JSON.stringify(answer.body)}`);
	const [execution] = await waitFor(
		async () => {
			const fresh = (await ctx.client.executions(ctx.workflow.id)).filter((e) => !before.has(String(e.id)));
			assert.ok(fresh.length <= 1, `one event, ${fresh.length} executions`);
			return fresh.length === 1 && fresh[0].stoppedAt ? fresh : null;
		},
		{ timeoutMs: 20_000, what: `the execution of the ${type} event` },
	);
	assert.equal(execution.status, 'success');
	assert.deepEqual(nodeOutput(execution, TRIGGER_NODE_NAME), [await expectedItem(type)]);
	return execution;
}

describe("n8n's community-package installer with the package from a local registry", () => {
	before(async () => {
		Object.assign(ctx, await startInstallerInstance({ name: 'installer', owner: { email: 'installer@anon.local', password: 'Installer-password-1' } }));
	});

	after(async () => {
		await ctx.n8n?.stop();
		await ctx.registry?.stop();
		if (ctx.userFolder && !ctx.failed && !ctx.keepFolder) await fs.rm(ctx.userFolder, { recursive: true, force: true });
		else if (ctx.userFolder) log(`kept ${ctx.userFolder} (n8n.log) for the failed run`);
	});

	step('npm publish runs the prepublishOnly guard (refused outside a release, and while author.email is no address)', async () => {
		await assert.rejects(ctx.registry.publish(REPO_ROOT, { releaseMode: false }), /npm publish refused: n8n-nodes-anon is published by the Publish workflow/);
		await assert.rejects(ctx.registry.publish(REPO_ROOT), /npm publish refused: package.json's author.email is not an e-mail address/);
		assert.equal((await fetch(`${ctx.registry.url}/${PACKAGE}`)).status, 404);
	});

	step('npm publish ships what the files list names, and nothing else', async () => {
		const published = await ctx.registry.publish();
		assert.equal(published.id, `${PACKAGE}@${manifest.version}`);
		const files = published.files.map((file) => file.path);
		for (const entry of [...manifest.n8n.nodes, ...manifest.n8n.credentials]) assert.ok(files.includes(entry), entry);
		const outside = files.filter(
			(file) => !/^dist\/(nodes|credentials)\//.test(file) && !['package.json', 'dist/package.json', 'CHANGELOG.md', 'README.md', 'LICENSE'].includes(file),
		);
		assert.deepEqual(outside, []);
		const metadata = await ctx.registry.metadata(PACKAGE);
		assert.equal(metadata['dist-tags'].latest, manifest.version);
	});

	step("n8n's scanner (@n8n/scan-community-package): the only failing check is provenance", async () => {
		// The scanner reads package metadata from a hard-coded https://registry.npmjs.org/ with
		// axios: point those requests at Verdaccio, and let no other request through.
		let rewritten = 0;
		const interceptor = axios.interceptors.request.use((config) => {
			const match = /^https:\/\/registry\.npmjs\.org\/+(.*)$/.exec(config.url);
			if (!match) throw new Error(`scanner request outside the local registry refused: ${config.url}`);
			rewritten++;
			return { ...config, url: `${ctx.registry.url}/${match[1]}` };
		});
		const scanner = await import('@n8n/scan-community-package/scanner/scanner.mjs');
		const { checkPackageProvenance } = await import('@n8n/scan-community-package/scanner/provenance.mjs');
		try {
			// 1. The CLI's own entry point. It checks provenance first and stops at the first
			//    failure, so for a package published without provenance this is all it reports.
			const verdict = await scanner.analyzePackageByName(PACKAGE, manifest.version);
			log(`scanner verdict: ${JSON.stringify(verdict)}`);
			assert.ok(rewritten > 0, 'the scanner read the metadata from the local registry');
			assert.equal(verdict.passed, false);
			assert.match(verdict.message, /^Package was not published with npm provenance\./);

			// 2. What the CLI checks once provenance passes, on the same package: its lint rules
			//    on the tarball from the registry (compiled .js and package.json) and on the
			//    source (the CLI fetches the commit the provenance attests; here, this tree).
			const metadata = await ctx.registry.metadata(PACKAGE);
			assert.match(checkPackageProvenance(metadata, manifest.version).message, /npm provenance/);
			const work = await fs.mkdtemp(path.join(os.tmpdir(), 'anon-scan-'));
			try {
				const tarball = await ctx.registry.pack(`${PACKAGE}@${manifest.version}`, work);
				const packageDir = path.join(work, 'package');
				await fs.mkdir(packageDir);
				await execFileAsync('tar', ['-xzf', tarball, '-C', packageDir, '--strip-components=1']);
				const distResult = await scanner.analyzePackage(packageDir, ['**/*.js', 'package.json']);
				const sourceResult = await scanner.analyzePackage(REPO_ROOT, scanner.SOURCE_FILE_PATTERNS);
				log(`scanner lint, published tarball: ${JSON.stringify(distResult)}`);
				log(`scanner lint, source: ${JSON.stringify(sourceResult)}`);
				assert.deepEqual(distResult, { passed: true }, distResult.details);
				assert.deepEqual(sourceResult, { passed: true }, sourceResult.details);
			} finally {
				await fs.rm(work, { recursive: true, force: true });
			}
		} finally {
			axios.interceptors.request.eject(interceptor);
			// The scanner makes an (empty) tmp-<pid>-* working folder on import and leaves it.
			for (const entry of await fs.readdir(os.tmpdir())) {
				if (entry.startsWith(`tmp-${process.pid}-`)) await fs.rmdir(path.join(os.tmpdir(), entry)).catch(() => {});
			}
		}
	}, { sideline: true });

	step('Install (POST /rest/community-packages) fetches it from the registry; the trigger node type appears', async () => {
		assert.deepEqual(await triggerDescriptions(), [], 'not installed yet');
		assert.deepEqual(await installedPackages(), []);
		const t0 = Date.now();
		const { data: installed } = await ctx.client.call('POST', '/rest/community-packages', {
			auth: 'cookie',
			body: { name: PACKAGE },
		});
		log(`installed by n8n in ${Date.now() - t0} ms: ${JSON.stringify(installed)}`);
		assert.equal(installed.packageName, PACKAGE);
		assert.equal(installed.installedVersion, manifest.version);
		assert.deepEqual(installed.installedNodes.map((node) => node.type).sort(), [`${PACKAGE}.anon`, TRIGGER_TYPE]);

		// n8n ran npm itself, against the local registry (its debug log lists each npm call).
		const npmCalls = await npmCommands(ctx.n8n.logFile);
		log(`npm calls by n8n: ${JSON.stringify(npmCalls)}`);
		for (const command of ['pack', 'install']) {
			assert.ok(
				npmCalls.some((args) => args[0] === command && args.includes(`--registry=${ctx.registry.url}`)),
				`n8n ran npm ${command} with --registry=${ctx.registry.url}`,
			);
		}

		const [description] = await triggerDescriptions();
		assert.match(description?.name ?? '', /^(n8n-nodes-anon\.)?anonTrigger$/);
		assert.deepEqual(description.webhooks?.map((webhook) => webhook.path), ['anon']);
		// What reached the user's n8n: the published files, devDependencies dropped by n8n.
		const installedManifest = JSON.parse(
			await fs.readFile(path.join(ctx.userFolder, '.n8n', 'nodes', 'node_modules', PACKAGE, 'package.json'), 'utf8'),
		);
		assert.equal(installedManifest.version, manifest.version);
		assert.equal(installedManifest.devDependencies, undefined);
	});

	step('a workflow built from the installed trigger, activated, runs a signed event', async () => {
		const credential = await ctx.client.createCredential({ name: 'Anon installer e2e', signingSecret: SECRET });
		const definition = noOpWorkflow({
			name: 'installer e2e',
			credentialId: credential.id,
			credentialName: credential.name,
		});
		const created = await ctx.client.createWorkflow(definition);
		// Activation has waited until the production URL answers a signed svix.ping.
		ctx.workflow = { id: created.id, webhookId: definition.nodes[0].webhookId };
		ctx.credential = credential;
		await runEvent('link.opened');
	});

	step("testing through a second endpoint, as README's set-up says: the Test URL takes its secret, the Production URL never does", async () => {
		const productionSecret = newSigningSecret();
		const testingSecret = newSigningSecret();
		const created = await ctx.client.createCredential({ name: 'Anon Webhook account', signingSecret: productionSecret, testSigningSecret: testingSecret });
		const definition = noOpWorkflow({ name: 'testing endpoint', credentialId: created.id, credentialName: created.name });
		const workflow = await ctx.client.createWorkflow(definition);
		const { webhookId } = definition.nodes[0];
		const production = `${ctx.n8n.baseUrl}/webhook/${webhookId}/anon`;
		const testUrl = `${ctx.n8n.baseUrl}/webhook-test/${webhookId}/anon`;
		// "Click Execute step, then Send Example from that endpoint's Testing tab": a ping, then an event type.
		assert.equal((await ctx.client.armTestWebhook(workflow.id, TRIGGER_NODE_NAME)).data?.waitingForWebhook, true);
		const ping = await sendEvent(testUrl, { body: '{"success": true}', secret: testingSecret });
		assert.deepEqual([ping.status, ping.body?.reason], [200, 'ping'], JSON.stringify(ping.body));
		// Anon sends the event to both endpoints, with one message id.
		const msgId = `msg_testing_endpoint_${Date.now()}`;
		const tested = await sendEvent(testUrl, { type: 'workflow_run.failed', secret: testingSecret, msgId });
		assert.equal(tested.status, 200, `Test URL, testing secret: ${JSON.stringify(tested.body)}`);
		const refused = await sendEvent(production, { type: 'workflow_run.failed', secret: testingSecret });
		assert.deepEqual([refused.status, refused.body?.reason], [401, 'no_matching_signature'], 'the Production URL refuses the testing secret');
		const delivered = await sendEvent(production, { type: 'workflow_run.failed', secret: productionSecret, msgId });
		assert.deepEqual([delivered.status, delivered.body?.status], [200, 'accepted'], JSON.stringify(delivered.body));
		const executions = await waitFor(async () => {
			const all = await ctx.client.executions(workflow.id);
			return all.length === 2 && all.every((execution) => execution.stoppedAt) ? all : null;
		}, { timeoutMs: 20_000, what: 'the test execution and the production one' });
		assert.deepEqual(executions.map((execution) => execution.mode).sort(), ['manual', 'webhook']);
	}, { sideline: true });

	step("each example file, imported twice as n8n's editor imports it: two production URLs, both published, both run an event", async () => {
		// The credentials a user selects after importing (the other services are unreachable here:
		// their nodes fail, after the trigger ran).
		const credential = async (type, data) => {
			const created = await ctx.client.call('POST', '/api/v1/credentials', { auth: 'apiKey', body: { name: `examples ${type}`, type, data } });
			return { id: created.id, name: created.name };
		};
		const selected = {
			anonWebhookApi: { id: ctx.credential.id, name: ctx.credential.name },
			anonApi: await credential('anonApi', { apiKey: 'anon_examples_not_a_key', baseUrl: 'http://127.0.0.1:9', allowedHttpRequestDomains: 'all' }),
			postgres: await credential('postgres', { host: '127.0.0.1', port: 9, database: 'anon', user: 'anon', password: 'anon', ssl: 'disable', allowUnauthorizedCerts: false, sshTunnel: false }),
		};
		const report = [];
		for (const file of EXAMPLE_FILES) {
			const imports = [];
			for (let copy = 0; copy < 2; copy++) {
				const workflow = await importedAsTheEditorDoes(file, ctx.client);
				for (const node of workflow.nodes) {
					for (const type of Object.keys(node.credentials ?? {})) node.credentials[type] = selected[type];
				}
				const trigger = workflow.nodes.find((node) => node.type === TRIGGER_TYPE);
				// Published: activation waits until this import's own production URL answers a signed ping.
				const created = await ctx.client.createWorkflow({ name: `${workflow.name} (${copy + 1})`, nodes: workflow.nodes, connections: workflow.connections, settings: workflow.settings });
				imports.push({ id: created.id, webhookId: trigger.webhookId, type: trigger.parameters.events[0] });
			}
			assert.notEqual(imports[0].webhookId, imports[1].webhookId, `${file}: two imports, two production paths`);
			for (const { webhookId } of imports) assert.match(webhookId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, `${file}: a webhookId n8n's import assigned`);
			for (const { id, webhookId, type } of imports) {
				await sendEvent(`${ctx.n8n.baseUrl}/webhook/${webhookId}/anon`, { type, secret: SECRET });
				const [execution] = await waitFor(async () => {
					const executions = await ctx.client.executions(id);
					return executions.length === 1 && executions[0].stoppedAt ? executions : null;
				}, { timeoutMs: 30_000, what: `the ${type} event in an import of ${file}` });
				assert.equal(nodeOutput(execution, TRIGGER_NODE_NAME)?.length, 1, `${file}: the trigger emitted the event`);
				report.push(`${file}: ${execution.status}`);
			}
		}
		log(`examples imported twice, each import published and run: ${report.join(', ')}`);
	}, { sideline: true });

	step('Update to 0.1.1 (PATCH /rest/community-packages): the active workflow keeps running events', async () => {
		await ctx.registry.publishVersion('0.1.1');
		const [listed] = await installedPackages();
		assert.equal(listed.updateAvailable, '0.1.1', `the Update button's data: ${JSON.stringify(listed)}`);

		const { data: updated } = await ctx.client.call('PATCH', '/rest/community-packages', {
			auth: 'cookie',
			body: { name: PACKAGE },
		});
		assert.equal(updated.installedVersion, '0.1.1');
		const [after] = await installedPackages();
		assert.equal(after.installedVersion, '0.1.1');
		assert.equal(after.updateAvailable, undefined);
		assert.equal(after.failedLoading, false);

		// No re-activation: the workflow is still active and its webhook answers signed events.
		const workflow = await ctx.client.call('GET', `/api/v1/workflows/${ctx.workflow.id}`, { auth: 'apiKey' });
		assert.equal(workflow.active, true);
		await runEvent('workflow_run.failed');
		await runEvent('link.opened');
	});

	step('Uninstall (DELETE /rest/community-packages) leaves n8n healthy', async () => {
		await ctx.client.call('DELETE', `/rest/community-packages?name=${PACKAGE}`, { auth: 'cookie' });
		assert.deepEqual(await installedPackages(), []);
		assert.deepEqual(await triggerDescriptions(), []);
		await assert.rejects(
			fs.access(path.join(ctx.userFolder, '.n8n', 'nodes', 'node_modules', PACKAGE)),
			{ code: 'ENOENT' },
			'package folder removed',
		);
		assert.equal((await fetch(`${ctx.n8n.baseUrl}/healthz`)).status, 200);
		assert.equal((await fetch(`${ctx.n8n.baseUrl}/healthz/readiness`)).status, 200);
		const workflows = await ctx.client.call('GET', '/api/v1/workflows', { auth: 'apiKey' });
		assert.ok(workflows.data.some((workflow) => workflow.id === ctx.workflow.id), 'REST and the public API answer');
		const probe = await sendEvent(webhookUrl(), { type: 'link.opened', secret: SECRET });
		log(`a signed event after uninstall answers ${probe.status}: ${JSON.stringify(probe.body).slice(0, 200)}`);
	});
});
