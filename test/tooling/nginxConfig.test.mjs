// The nginx configuration users read is the one the suites run: docs/queue-mode.md's upstream
// block and the README's hash line are held to nginxServerBlock() (nginx.mjs).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';

import { REPO_ROOT } from '../../tools/harness/package.mjs';
import { ANON_RATE_ZONE, MESSAGE_ID_HASH, anonTriggerLocation, nginxServerBlock } from '../../tools/harness/nginx.mjs';

const read = (file) => readFileSync(path.join(REPO_ROOT, file), 'utf8');
const generated = nginxServerBlock({
	listen: '127.0.0.1:8443',
	upstreams: ['127.0.0.1:5681', '127.0.0.1:5682'],
	hash: MESSAGE_ID_HASH,
	cert: '/cert.pem',
	key: '/key.pem',
});
const HASH_LINE = `hash ${MESSAGE_ID_HASH} consistent;`;

/** The `upstream <name> { … }` block of a text, its lines trimmed. */
function upstreamBlock(text) {
	const block = /^\s*upstream n8n_webhooks \{\n([\s\S]*?)^\s*\}/m.exec(text);
	assert.ok(block, 'no `upstream n8n_webhooks { … }` block');
	return block[1].split('\n').map((line) => line.trim()).filter(Boolean);
}

describe('the nginx configuration for queue mode', () => {
	test('routes by the message id of either header style, consistently, over every webhook process', () => {
		assert.equal(MESSAGE_ID_HASH, '$http_svix_id$http_webhook_id');
		const lines = upstreamBlock(generated);
		assert.ok(lines.includes(HASH_LINE));
		assert.deepEqual(lines.filter((line) => line.startsWith('server ')), ['server 127.0.0.1:5681;', 'server 127.0.0.1:5682;']);
		assert.equal((generated.match(/proxy_pass http:\/\/n8n_webhooks;/g) ?? []).length, 3, '/, /webhook and the Anon Trigger paths');
	});

	test('one n8n without a hash is proxied to directly, as the README\'s reverse-proxy block shows', () => {
		const single = nginxServerBlock({ listen: '127.0.0.1:8443', upstreams: ['127.0.0.1:5678'], cert: '/c', key: '/k' });
		assert.doesNotMatch(single, /upstream /);
		assert.match(single, /proxy_pass http:\/\/127\.0\.0\.1:5678;/);
	});

	test('docs/queue-mode.md shows the upstream block the suites run (its servers aside)', () => {
		const shown = upstreamBlock(read('docs/queue-mode.md').split('```nginx')[1]).map((line) => line.replace(/\s+#.*$/, ''));
		const run = upstreamBlock(generated);
		assert.deepEqual(
			shown.filter((line) => !line.startsWith('server ')),
			run.filter((line) => !line.startsWith('server ')),
		);
	});

	test("the README's redelivery section sends queue-mode users to the page with the hash", () => {
		const section = read('README.md').split('## Redeliveries and replays')[1].split('\n## ')[0];
		assert.match(section, /Several webhook processes[^]*?\(docs\/queue-mode\.md\)/);
		assert.ok(read('docs/queue-mode.md').includes(HASH_LINE), `docs/queue-mode.md shows "${HASH_LINE}"`);
	});
});

describe("the Anon Trigger's own location", () => {
	const lines = (text) => text.split('\n').map((line) => line.replace(/\s+#.*$/, '').trim()).filter(Boolean);

	test('docs/reverse-proxy.md shows the location and rate zone the suites run', () => {
		const shown = read('docs/reverse-proxy.md').split('```nginx')[1].split('```')[0];
		const location = lines(anonTriggerLocation('127.0.0.1:5678'));
		const shownLines = lines(shown);
		const start = shownLines.indexOf(location[0]);
		assert.ok(start >= 0, 'docs/reverse-proxy.md has the Anon location');
		assert.deepEqual(shownLines.slice(start, start + location.length), location);
		assert.ok(shownLines.includes(ANON_RATE_ZONE));
	});

	test('refuses a Content-Encoding on the trigger paths only; the other webhooks keep their location', () => {
		assert.ok(generated.includes(ANON_RATE_ZONE));
		assert.match(generated, /location ~ \^\/webhook\(-test\)\?\/\[\^\/\]\+\/anon\$ \{\s+if \(\$http_content_encoding\) \{\s+return 415;/);
		assert.match(generated, /location \/webhook \{\s+client_max_body_size 1m;\s+proxy_pass/);
	});
});
