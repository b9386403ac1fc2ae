// waitForAnonWebhook (webhookReady.mjs), the wait every activation goes through, against a stand-in of
// n8n's webhook endpoint: it returns once a signed svix.ping is answered as the trigger answers
// it, and otherwise fails within its bound, naming the URL and the last answer.
import assert from 'node:assert/strict';
import http from 'node:http';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';

import { newSigningSecret } from '../../tools/harness/signedEvents.mjs';
import { waitForAnonWebhook } from '../../tools/harness/webhookReady.mjs';
import { freePort } from '../../tools/harness/process.mjs';

const require = createRequire(import.meta.url);
const { Webhook } = require('svix');

const NOT_REGISTERED = { code: 404, message: 'The requested webhook "POST abc/anon" is not registered.' };

describe('waitForAnonWebhook', () => {
	const secret = newSigningSecret();
	const server = { notRegisteredFor: 0, requests: [] };

	before(async () => {
		server.http = http.createServer((request, response) => {
			let body = '';
			request.on('data', (chunk) => (body += chunk));
			request.on('end', () => {
				server.requests.push({ headers: request.headers, body });
				const answer = (status, json) => {
					response.writeHead(status, { 'content-type': 'application/json' });
					response.end(JSON.stringify(json));
				};
				if (server.requests.length <= server.notRegisteredFor) return answer(404, NOT_REGISTERED);
				try {
					// The trigger's own check: the signature must verify with the credential's secret.
					new Webhook(secret).verify(body, request.headers);
				} catch {
					return answer(401, { status: 'rejected', reason: 'no_matching_signature' });
				}
				return answer(200, { status: 'ignored', reason: 'ping', message: 'Verified svix.ping test message' });
			});
		});
		await new Promise((resolve) => server.http.listen(0, '127.0.0.1', resolve));
		server.url = `http://127.0.0.1:${server.http.address().port}/webhook/abc/anon`;
	});

	after(() => new Promise((resolve) => server.http.close(resolve)));

	test('returns once a signed svix.ping is answered 200 ignored/ping, after n8n\'s 404s', async () => {
		Object.assign(server, { notRegisteredFor: 3, requests: [] });
		await waitForAnonWebhook(server.url, { secret, intervalMs: 10 });
		assert.equal(server.requests.length, 4);
		assert.equal(server.requests.at(-1).body, '{"success": true}');
		assert.match(server.requests.at(-1).headers['svix-signature'], /^v1,/);
	});

	test('fails within its bound, naming the URL and the last answer', async () => {
		Object.assign(server, { notRegisteredFor: Infinity, requests: [] });
		const t0 = Date.now();
		await assert.rejects(waitForAnonWebhook(server.url, { secret, what: 'the production webhook of "x"', timeoutMs: 300, intervalMs: 20 }), (error) => {
			assert.match(error.message, /^the production webhook of "x": http:\/\/127\.0\.0\.1:\d+\/webhook\/abc\/anon did not answer a signed svix\.ping/);
			assert.match(error.message, /within 0\.3 s; last answer: 404 \{"code":404,"message":"The requested webhook/);
			return true;
		});
		assert.ok(Date.now() - t0 < 2000);
	});

	test('a wrong secret is not taken for ready: the last answer is the 401', async () => {
		Object.assign(server, { notRegisteredFor: 0, requests: [] });
		await assert.rejects(waitForAnonWebhook(server.url, { secret: newSigningSecret(), timeoutMs: 200, intervalMs: 20 }), /last answer: 401 .*no_matching_signature/);
	});

	test('nothing listening: the error says there was no HTTP answer', async () => {
		const port = await freePort();
		await assert.rejects(waitForAnonWebhook(`http://127.0.0.1:${port}/webhook/abc/anon`, { secret, timeoutMs: 200, intervalMs: 20 }), /last answer: no HTTP answer \(ECONNREFUSED\)/);
	});
});
