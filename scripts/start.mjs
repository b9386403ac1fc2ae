#!/usr/bin/env node
// `npm start`: a local n8n with this package installed, ready to receive Anon events.
//
// Installs (once, cached) Node 24 and n8n, builds and installs the current package into a
// persistent user folder <cache>/dev-instance, starts n8n on 127.0.0.1:5678 (or the next
// free port), sets up an owner, a credential and two example workflows, writes the details
// to <cache>/dev-instance/instance.json, sends one signed example of each event type, and
// stays up until Ctrl-C.
//
// instance.json fields:
//   n8nVersion         n8n version running
//   editorUrl          editor URL (log in with owner.email / owner.password)
//   owner              { email, password }
//   apiKey             public API key (header X-N8N-API-KEY) for <editorUrl>api/v1
//   signingSecret      the whsec_ secret stored in the credential; sign events with it
//   credential         { id, name } of the anonWebhookApi credential
//   alertReceiverUrl   where the alert workflow POSTs (a receiver run by this script)
//   workflows          { allEvents, alert }: { id, name, events, webhookId,
//                      productionUrl, testUrl } each
//   userFolder, logFile  n8n's user folder and log file
//   updatedAt          when this file was last written
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

import { EXAMPLE_TYPES, newSigningSecret, sendEvent } from '../tools/harness/signedEvents.mjs';
import { N8nClient, startN8n } from '../tools/harness/n8n.mjs';
import { buildAndPack, installPackage } from '../tools/harness/package.mjs';
import { freePort, isInterrupted, log, onInterrupt, stopAllServers } from '../tools/harness/process.mjs';
import { CACHE_DIR, N8N_VERSION, ensureN8n } from '../tools/harness/runtime.mjs';
import { alertWorkflow, noOpWorkflow, startReceiver, webhookUrl } from '../tools/harness/workflows.mjs';

const USER_FOLDER = path.join(CACHE_DIR, 'dev-instance');
const INSTANCE_FILE = path.join(USER_FOLDER, 'instance.json');
const OWNER_EMAIL = 'dev@anon.local';

async function readInstance() {
	if (!existsSync(INSTANCE_FILE)) return {};
	return JSON.parse(await fs.readFile(INSTANCE_FILE, 'utf8'));
}

/** True if version a (x.y.z) is older than version b. */
function isOlder(a, b) {
	const [x, y] = [a, b].map((version) => version.split('.').map(Number));
	const index = x.findIndex((part, i) => part !== y[i]);
	return index !== -1 && x[index] < y[index];
}

/** Logs in as the owner, creating it on the first run. */
async function ensureOwner(client, previous) {
	const owner = previous.owner ?? { email: OWNER_EMAIL, password: `Anon-${randomBytes(6).toString('hex')}` };
	const setup = await client.setupOwner(owner);
	if (setup.status !== 200 && !previous.owner) {
		throw new Error(
			`owner set-up failed (${setup.status}) and ${INSTANCE_FILE} holds no password; ` +
				`delete ${USER_FOLDER} to start over`,
		);
	}
	await client.login(owner);
	await client.checkVersion();
	return owner;
}

/**
 * Creates the workflow, or updates the existing one (same id, same webhook URLs), then
 * activates it: activation returns once the production URL answers a signed svix.ping
 * (N8nClient.activate), so every example sent after the ready line reaches a live webhook.
 */
async function upsertWorkflow(client, existingId, workflow) {
	const existing = existingId && (await client.request('GET', `/api/v1/workflows/${existingId}`, { auth: 'apiKey' }));
	if (existing?.status !== 200) return client.createWorkflow(workflow);
	const updated = await client.call('PUT', `/api/v1/workflows/${existingId}`, {
		auth: 'apiKey',
		body: { settings: { executionOrder: 'v1' }, ...workflow },
	});
	await client.activate(existingId);
	return updated;
}

let receiver;
// Ctrl-C is how this is meant to end: n8n is stopped (process.mjs), then the receiver; exit 0.
onInterrupt(
	async () => {
		await receiver?.close();
		log('stopped');
	},
	{ exitCode: 0 },
);

async function main() {
	const previous = await readInstance();
	if (previous.n8nVersion && isOlder(N8N_VERSION, previous.n8nVersion)) {
		// n8n migrates its database forward only; an older n8n fails on a newer database.
		throw new Error(
			`${USER_FOLDER} was last run by n8n ${previous.n8nVersion}; n8n ${N8N_VERSION} cannot open it. ` +
				'Delete that folder or set ANON_N8N_CACHE to another folder.',
		);
	}
	await ensureN8n();
	await fs.mkdir(USER_FOLDER, { recursive: true });
	await installPackage(USER_FOLDER, await buildAndPack());

	receiver = await startReceiver({
		port: await freePort(5690),
		onRequest: ({ body }) => log(`ALERT RECEIVED: ${JSON.stringify(body)}`),
	});
	const n8n = await startN8n({ userFolder: USER_FOLDER, port: await freePort(5678) });

	const client = new N8nClient(n8n.baseUrl);
	const owner = await ensureOwner(client, previous);
	client.apiKey = previous.apiKey;
	if (!(await client.apiKeyWorks())) await client.createApiKey('npm start');

	const signingSecret = previous.signingSecret ?? newSigningSecret();
	const credential =
		previous.credential ?? (await client.createCredential({ name: 'Anon (dev instance)', signingSecret }));
	client.rememberSigningSecret(credential.id, signingSecret);
	const trigger = { credentialId: credential.id, credentialName: credential.name };

	const allEventsWebhookId = previous.workflows?.allEvents?.webhookId ?? randomUUID();
	const alertWebhookId = previous.workflows?.alert?.webhookId ?? randomUUID();
	const allEvents = await upsertWorkflow(
		client,
		previous.workflows?.allEvents?.id,
		noOpWorkflow({ ...trigger, webhookId: allEventsWebhookId }),
	);
	const alert = await upsertWorkflow(
		client,
		previous.workflows?.alert?.id,
		await alertWorkflow({ ...trigger, webhookId: alertWebhookId, alertUrl: receiver.url }),
	);
	const describe = (workflow, webhookId, events) => ({
		id: workflow.id,
		name: workflow.name,
		events,
		webhookId,
		productionUrl: webhookUrl(n8n.baseUrl, { webhookId }),
		testUrl: `${n8n.baseUrl}/webhook-test/${webhookId}/anon`,
	});
	const instance = {
		n8nVersion: N8N_VERSION,
		editorUrl: `${n8n.baseUrl}/`,
		owner,
		apiKey: client.apiKey,
		signingSecret,
		credential: { id: credential.id, name: credential.name },
		alertReceiverUrl: receiver.url,
		workflows: {
			allEvents: describe(allEvents, allEventsWebhookId, ['*']),
			alert: describe(alert, alertWebhookId, ['workflow_run.failed']),
		},
		userFolder: USER_FOLDER,
		logFile: n8n.logFile,
		updatedAt: new Date().toISOString(),
	};
	await fs.writeFile(INSTANCE_FILE, JSON.stringify(instance, null, 2) + '\n', { mode: 0o600 });

	console.log(`
ready — n8n ${N8N_VERSION} with n8n-nodes-anon
  editor:          ${instance.editorUrl}
  login:           ${owner.email} / ${owner.password}
  signing secret:  ${signingSecret}
  webhook URLs:
    ${instance.workflows.allEvents.name} (events: *)
      ${instance.workflows.allEvents.productionUrl}
    ${instance.workflows.alert.name} (events: workflow_run.failed → ${receiver.url})
      ${instance.workflows.alert.productionUrl}
  details:         ${INSTANCE_FILE}
  n8n log:         ${n8n.logFile}
  send an event:   node scripts/send-event.mjs workflow_run.failed --url ${instance.workflows.alert.productionUrl}
`);

	log(`sending one signed example of each event type to "${instance.workflows.allEvents.name}"`);
	for (const type of EXAMPLE_TYPES) {
		const { status, body } = await sendEvent(instance.workflows.allEvents.productionUrl, {
			type,
			secret: signingSecret,
		});
		console.log(`  ${type.padEnd(24)} ${status} ${JSON.stringify(body)}`);
	}
	log('running; press Ctrl-C to stop');
}

main().catch(async (error) => {
	// Requests in flight fail while Ctrl-C stops n8n; that is not worth a stack trace.
	if (isInterrupted()) return;
	console.error(error);
	await stopAllServers();
	await receiver?.close();
	process.exit(1);
});
