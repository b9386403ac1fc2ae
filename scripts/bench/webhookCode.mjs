// What an Anon customer builds without this package: n8n's Webhook node (Raw Body, answering
// when the workflow finishes) followed by a Code node that verifies the Svix signature by hand,
// the way Svix's documentation teaches it (HMAC-SHA256 over `id.timestamp.body` with the
// base64-decoded secret, every `v1` entry of the header, a 5-minute timestamp tolerance), and
// picks the event type. It needs NODE_FUNCTION_ALLOW_BUILTIN=crypto (off by default); a forged
// request makes the Code node throw: n8n answers 500 after recording a failed execution.
import { randomUUID } from 'node:crypto';

import { chainWorkflow, webhookNode } from '../../tools/harness/workflows.mjs';

/** The environment the hand-built verifier needs: `require('crypto')` in the Code node. */
export const WEBHOOK_CODE_ENV = { NODE_FUNCTION_ALLOW_BUILTIN: 'crypto' };

/** The Code node's JavaScript, for a signing secret `secret` (written into it, as users do). */
function verifierCode(secret) {
	return `const crypto = require('crypto');
const SECRET = ${JSON.stringify(secret)};
const item = $input.first();
const headers = item.json.headers;
const id = headers['svix-id'];
const timestamp = headers['svix-timestamp'];
const signatures = headers['svix-signature'];
if (!id || !timestamp || !signatures) throw new Error('Missing Svix headers');
if (Math.abs(Math.floor(Date.now() / 1000) - Number(timestamp)) > 300) throw new Error('Timestamp outside the tolerance');
// The raw body, as the Webhook node's Raw Body option keeps it.
const binary = item.binary && item.binary.data;
const raw = binary && binary.data && !binary.id
	? Buffer.from(binary.data, 'base64')
	: await this.helpers.getBinaryDataBuffer(0, 'data');
const key = Buffer.from(SECRET.split('_')[1], 'base64');
const expected = crypto.createHmac('sha256', key).update(id + '.' + timestamp + '.').update(raw).digest('base64');
const matched = signatures.split(' ').some((entry) => {
	const [version, signature] = entry.split(',');
	return version === 'v1' && signature && signature.length === expected.length
		&& crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
});
if (!matched) throw new Error('No matching signature');
const event = JSON.parse(raw.toString('utf8'));
return [{ json: { type: event.type, event } }];`;
}

/** Webhook node (Raw Body, answers when the workflow finishes) → Code node verifying with `secret`. */
export function webhookCodeWorkflow({ name = 'Webhook + Code node', secret }) {
	const webhook = webhookNode({ parameters: { responseMode: 'lastNode', responseData: 'noData', options: { rawBody: true } } });
	const code = {
		id: randomUUID(),
		name: 'Verify Svix Signature',
		type: 'n8n-nodes-base.code',
		typeVersion: 2,
		position: [240, 0],
		parameters: { jsCode: verifierCode(secret) },
	};
	return chainWorkflow(name, [webhook, code]);
}
