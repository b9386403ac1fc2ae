// When an activated Anon Trigger is live: its production URL answers a signed svix.ping as the
// trigger does. N8nClient.activate (n8n.mjs) waits for it after every activation.
import { sendEvent } from './signedEvents.mjs';
import { sleep } from './process.mjs';

/** How long activation may take to reach an Anon Trigger's production URL before it is an error. */
export const WEBHOOK_READY_TIMEOUT_MS = 30_000;
/** The Anon Trigger's node type, as the client finds it in an activated workflow. */
export const ANON_TRIGGER_TYPE = 'n8n-nodes-anon.anonTrigger';

/**
 * Waits until an Anon Trigger's production URL answers as the trigger does. n8n answers the
 * activate call before it serves the webhook: n8n 2.x publishes an activation through its
 * publication outbox, asynchronously, and a request sent the moment activation returned got
 * n8n's 404 "The requested webhook … is not registered" in 9 of 10 activations measured here
 * (test/e2e/ready.suite.mjs), served 50–200 ms later. With the credential's `secret` the probe is a
 * signed svix.ping, which the trigger answers 200 {"status":"ignored","reason":"ping"} without
 * running anything: registration, credential and signature check proven in one request.
 * Without it (a caller that does not hold the secret, e.g. after restarting n8n), an unsigned
 * probe must get the node's own 401, which proves registration only. Throws after `timeoutMs`
 * with the URL and the last answer.
 */
export async function waitForAnonWebhook(url, { secret, what = 'the production webhook', timeoutMs = WEBHOOK_READY_TIMEOUT_MS, intervalMs = 100 } = {}) {
	const deadline = Date.now() + timeoutMs;
	let last = 'none';
	while (true) {
		try {
			if (secret) {
				const { status, body } = await sendEvent(url, { type: 'svix.ping', secret });
				if (status === 200 && body?.status === 'ignored' && body?.reason === 'ping') return;
				last = `${status} ${typeof body === 'string' ? body : JSON.stringify(body)}`;
			} else {
				const response = await fetch(url, { method: 'POST', body: '{}' });
				if (response.status === 401) return;
				last = `${response.status} ${await response.text()}`;
			}
		} catch (error) {
			last = `no HTTP answer (${error.cause?.code ?? error.message})`;
		}
		if (Date.now() >= deadline) {
			const expected = secret ? 'a signed svix.ping with 200 {"status":"ignored","reason":"ping"}' : "an unsigned probe with the trigger's 401";
			throw new Error(`${what}: ${url} did not answer ${expected} within ${timeoutMs / 1000} s; last answer: ${last.slice(0, 400)}`);
		}
		await sleep(intervalMs);
	}
}
