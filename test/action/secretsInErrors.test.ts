/**
 * The Anon node's errors never carry a secret from the credential: neither the Base URL's
 * proxy password (even one with an unencoded `#`, `?` or `/` that no parser reads as a
 * password) nor the API key (in whatever form it was saved: with spaces or a line break
 * around it, and as sent, `Bearer <key>`). Driven through the node against the HTTP stand-in
 * for Anon's API, as test/action/Anon.node.test.ts does.
 */
import type { INode, NodeApiError, NodeOperationError } from 'n8n-workflow';

import { anonHttpError, anonUnreachableError, quotedOrigin, userinfoSecrets } from '../../nodes/Anon/action/errors';
import { JOB } from '../helpers/anonApiStandIn';
import { anonApiForTests, anonFailure, runAnon } from '../helpers/executeContext';

const { anon, credentials, apiKey: API_KEY } = anonApiForTests();

const getJob = (jobId: unknown) => ({ resource: 'job', operation: 'get', jobId });

/** Runs the node on one item and returns the error it throws. */
const failure = (item: Record<string, unknown>, withCredentials = credentials) => anonFailure(item, withCredentials);

describe('a Base URL password with an unencoded #, ? or / is never shown', () => {
	const node = { id: 'anon1', name: 'Anon', type: 'n8n-nodes-anon.anon', typeVersion: 1, position: [0, 0], parameters: {} } as INode;
	const texts = (error: NodeApiError | NodeOperationError) => [
		error.message,
		error.description ?? '',
		JSON.stringify(error),
		JSON.stringify(error.context),
		String(error.stack),
	];

	it.each(['Xk9#L2mQ7wZ', 'Xk9?L2mQ7wZ', 'Xk9/L2mQ7wZ', 'Xk9#L2/mQ?7wZ'])(
		'password %s: the node says the Base URL is invalid, and quotes no part of it',
		async (password) => {
			const baseUrl = anon.baseUrl.replace('http://', `http://proxyuser:${password}@`);
			const error = await failure(getJob(JOB.id), { ...credentials, baseUrl });
			expect(error.message).toBe('Could not reach Anon at an invalid URL');
			for (const text of texts(error)) {
				for (const part of ['Xk9', 'L2', 'mQ', '7wZ', 'proxyuser']) expect(text).not.toContain(part);
			}
			expect(anon.requests).toEqual([]);
		},
	);

	it.each([
		['https://proxyuser:Xk9#L2mQ7wZ@proxy.example.com', 'an invalid URL'],
		['https://proxyuser:4431/Xk9L2mQ7wZ@proxy.example.com', 'an invalid URL'],
		['https://proxyuser:4431?Xk9L2mQ7wZ@proxy.example.com', 'an invalid URL'],
		['https://proxyuser:4431\\Xk9L2mQ7wZ@proxy.example.com', 'an invalid URL'],
		['https://proxyuser:Xk9L2mQ7wZ@proxy.example.com:8443/anon/', 'https://proxy.example.com:8443'],
		['https://proxy.example.com/anon?token=Xk9L2mQ7wZ', 'https://proxy.example.com'],
		['not a url Xk9L2mQ7wZ', 'an invalid URL'],
	])('every error for Base URL %s quotes it as %s', (baseUrl, shown) => {
		const request = { itemIndex: 0, notFound: 'x', baseUrl, apiKey: API_KEY };
		const unreachable = anonUnreachableError(node, Object.assign(new Error(`connect failed for ${baseUrl}/api`), { code: undefined }), request);
		const notFound = anonHttpError(node, { statusCode: 404, body: `no route ${baseUrl}/api` }, request);
		expect(unreachable.message).toBe(`Could not reach Anon at ${shown}`);
		expect(notFound.description).toContain(`(${shown})`);
		for (const error of [unreachable, notFound]) for (const text of texts(error)) expect(text).not.toContain('Xk9L2mQ7wZ');
	});
});

describe('an API key saved with spaces or a line break around it', () => {
	// Only keys with whitespace in front: fetch (the stand-in's client) drops trailing whitespace
	// from a header by itself, so a trailing space would pass here whatever the node did.
	it.each([
		['a leading space', ` ${API_KEY}`],
		['spaces and tabs around it', `\t ${API_KEY}  `],
	])('with %s is sent trimmed, and works', async (_, apiKey) => {
		const { output } = await runAnon({ items: [getJob(JOB.id)], credentials: { ...credentials, apiKey } });
		expect(output).toEqual([{ json: JOB, pairedItem: { item: 0 } }]);
		expect(anon.requests[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
	});

	it.each([
		['a trailing space', `${API_KEY} `],
		['a leading space', ` ${API_KEY}`],
		['a trailing line break', `${API_KEY}\n`],
		['spaces and tabs around it', `\t ${API_KEY}  `],
	])('with %s never appears in an error, even when Anon echoes the header', async (_, apiKey) => {
		anon.failNext(401, { echoAuthorization: true });
		const error = await failure(getJob(JOB.id), { ...credentials, apiKey });
		expect(error.description).toContain('***');
		const keyMaterial = API_KEY.slice('anon_'.length);
		for (const text of [error.message, error.description, JSON.stringify(error), JSON.stringify(error.context), String(error.stack)]) {
			expect(text ?? '').not.toContain(keyMaterial);
		}
	});

	it('is redacted in every form it was saved in: raw, trimmed, and with the Bearer prefix', () => {
		const node = { id: 'anon1', name: 'Anon', type: 'n8n-nodes-anon.anon', typeVersion: 1, position: [0, 0], parameters: {} } as INode;
		const request = { itemIndex: 0, notFound: 'x', baseUrl: anon.baseUrl, apiKey: ` ${API_KEY}\n` };
		const body = { raw: ` ${API_KEY}\n`, trimmed: API_KEY, header: `Bearer ${API_KEY}`, lower: `bearer ${API_KEY}` };
		const error = anonHttpError(node, { statusCode: 400, body }, request);
		expect(error.description).not.toContain(API_KEY.slice('anon_'.length));
		expect(error.description).not.toMatch(/bearer\s+anon/i);
	});
});

describe('an API key echoed in another form, or saved with a control character inside', () => {
	const node = { id: 'anon1', name: 'Anon', type: 'n8n-nodes-anon.anon', typeVersion: 1, position: [0, 0], parameters: {} } as INode;
	const keyMaterial = API_KEY.slice('anon_'.length);
	const b64 = (text: string) => Buffer.from(text).toString('base64');

	it.each([
		['a Basic pair key:', `Basic ${b64(`${API_KEY}:`)}`],
		['a Basic pair :key', `Basic ${b64(`:${API_KEY}`)}`],
		['a Basic pair user:key', `Basic ${b64(`apikey:${API_KEY}`)}`],
		['a Basic pair ab:key', `Basic ${b64(`ab:${API_KEY}`)}`],
		['the key in base64', b64(API_KEY)],
	])('is masked when an error body echoes it as %s', (_, echoed) => {
		const request = { itemIndex: 0, notFound: 'x', baseUrl: anon.baseUrl, apiKey: API_KEY };
		const error = anonHttpError(node, { statusCode: 400, body: { echoed } }, request);
		// Any 12 characters of the key's base64, in any alignment, would let a reader decode part of it.
		for (let offset = 0; offset < 3; offset++) {
			const aligned = b64('x'.repeat(offset) + API_KEY).slice(4, 16);
			expect(error.description).not.toContain(aligned);
		}
		expect(error.description).not.toContain(keyMaterial);
	});

	it.each([
		['a line break inside', `${API_KEY.slice(0, 20)}\n${API_KEY.slice(20)}`],
		['a carriage return and line feed at the end of the first line', `${API_KEY}\r\nsecond line`],
		['a NUL', `${API_KEY}\u0000`],
	])('with %s fails before anything is sent, saying what to fix and never the key', async (_, apiKey) => {
		const error = await failure(getJob(JOB.id), { ...credentials, apiKey });
		expect(error.message).toMatch(/API key .*control character/);
		expect(error.description).toMatch(/paste/i);
		expect(`${error.message} ${error.description} ${JSON.stringify(error)}`).not.toContain(keyMaterial.slice(0, 12));
		expect(anon.requests).toEqual([]);
	});
});

describe('what errors may quote of a Base URL', () => {
	it.each([
		['https://worker.anon.com', 'https://worker.anon.com'],
		['  https://worker.anon.com/  ', 'https://worker.anon.com'],
		['http://u:p%23ss@127.0.0.1:8080/anon', 'http://127.0.0.1:8080'],
		['https://u:p@ss@proxy.example.com', 'https://proxy.example.com'],
		['HTTPS://Proxy.Example.com', 'https://proxy.example.com'],
		['https://[::1]:3000', 'https://[::1]:3000'],
		['https://user:12/secret@proxy.example.com', 'an invalid URL'],
		['ftp://files.example.com', 'an invalid URL'],
		['worker.anon.com', 'an invalid URL'],
		['', 'an invalid URL'],
	])('quotedOrigin(%j) → %s', (baseUrl, expected) => {
		expect(quotedOrigin(baseUrl)).toBe(expected);
	});

	it('hides a password with an unencoded #, raw and percent-encoded, wherever an answer echoes it', () => {
		const baseUrl = 'https://proxyuser:Xk9#L2mQ7wZ@proxy.example.com';
		expect(userinfoSecrets(baseUrl)).toEqual(expect.arrayContaining(['proxyuser:Xk9#L2mQ7wZ', 'Xk9#L2mQ7wZ', 'Xk9%23L2mQ7wZ']));
		const node = { id: 'anon1', name: 'Anon', type: 'n8n-nodes-anon.anon', typeVersion: 1, position: [0, 0], parameters: {} } as INode;
		const request = { itemIndex: 0, notFound: 'x', baseUrl, apiKey: API_KEY, hidden: userinfoSecrets(baseUrl) };
		const body = { raw: baseUrl, encoded: 'https://proxyuser:Xk9%23L2mQ7wZ@proxy.example.com', password: 'Xk9#L2mQ7wZ' };
		const error = anonHttpError(node, { statusCode: 400, body }, request);
		expect(error.description).not.toMatch(/Xk9|L2mQ7wZ/);
	});
});
