import fc from 'fast-check';

import * as headersModule from '../../nodes/Anon/trigger/deliveryHeaders';
import { REDACTED } from '../../nodes/Anon/trigger/deliveryHeaders';
import credentialHeaders from '../fixtures/credential-headers.json';

type Headers = Record<string, string | string[] | undefined>;
// Typed here rather than imported, so that this file compiles (and fails) against the
// one-argument deliveryHeaders it replaces.
const deliveryHeaders = headersModule.deliveryHeaders as (headers: Headers, headersToShow?: string) => Record<string, unknown>;
const looksLikeCredential = (headersModule as unknown as { looksLikeCredential?: (value: string) => boolean }).looksLikeCredential ?? (() => false);

/** Header names that proxies, identity layers and senders use for credentials (a fixture the reliability suite shares). */
const CREDENTIAL_BEARING_HEADERS = credentialHeaders.headers;

describe('deliveryHeaders: safe by default', () => {
	it('keeps only the custom headers: transport, proxy and signature headers are left out', () => {
		expect(
			deliveryHeaders({
				accept: '*/*',
				'content-type': 'application/json',
				'content-length': '12',
				host: 'n8n.example.com',
				'user-agent': 'Svix-Webhooks/1.66.0',
				via: '1.1 proxy',
				forwarded: 'for=1.2.3.4',
				'x-forwarded-for': '1.2.3.4',
				'x-real-ip': '1.2.3.4',
				'svix-id': 'msg_1',
				'svix-signature': 'v1,abc',
				'webhook-signature': 'v1,abc',
				'x-tenant': 'acme',
				'x-region': ['eu', 'us'],
			}),
		).toEqual({ 'x-tenant': REDACTED, 'x-region': REDACTED });
	});

	it.each(CREDENTIAL_BEARING_HEADERS)('%s: the name stays, the value is redacted', (name) => {
		expect(deliveryHeaders({ [name]: 'the-value' })).toEqual({ [name]: REDACTED });
		expect(deliveryHeaders({ [name]: ['a', 'b'] })).toEqual({ [name]: REDACTED });
	});

	it('redacts every custom header value unless it is named, whatever its name and value', () => {
		const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,30}$/).filter((n) => !/^(svix|webhook|x-forwarded|x-real)-/.test(n));
		fc.assert(
			fc.property(name, fc.string(), (headerName, value) => {
				for (const kept of Object.values(deliveryHeaders({ [headerName]: value }))) expect(kept).toBe(REDACTED);
				for (const kept of Object.values(deliveryHeaders({ [headerName]: value }, 'x-tenant, x-other'))) {
					if (headerName !== 'x-tenant' && headerName !== 'x-other') expect(kept).toBe(REDACTED);
				}
			}),
			{ numRuns: 1000 },
		);
	});

	it('shows the value of a header named in Headers to Show (comma-separated, any case, spaces ignored)', () => {
		const headers = { 'x-tenant': 'acme', 'x-region': ['eu', 'us'], 'x-request-id': 'req_1', 'x-other': 'hidden' };
		expect(deliveryHeaders(headers, ' X-Tenant ,x-REGION,\nx-request-id,, ')).toEqual({
			'x-tenant': 'acme',
			'x-region': ['eu', 'us'],
			'x-request-id': 'req_1',
			'x-other': REDACTED,
		});
	});

	it('reads header names from the request in any case', () => {
		expect(deliveryHeaders({ 'X-Tenant': 'acme', Authorization: 'Bearer x' }, 'x-tenant')).toEqual({
			'x-tenant': 'acme',
			authorization: REDACTED,
		});
	});

	it.each(['authorization', 'proxy-authorization', 'cookie', 'set-cookie'])('never shows %s, even when named', (name) => {
		expect(deliveryHeaders({ [name]: 'plain' }, name)).toEqual({ [name]: REDACTED });
	});

	const CREDENTIAL_VALUES = [
		'Bearer abc',
		'bearer eyJhbGciOi',
		'Basic dXNlcjpwYXNz',
		'Digest username="u", realm="r", nonce="n", response="x"',
		'Negotiate YIIGhgYJKoZIhvcSAQICAQBuggZ1MIIGcaADAgEF',
		'NTLM TlRMTVNTUAABAAAAB4IIAAAAAAAAAAAAAAAAAAAAAAA=',
		'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, Signature=5d672d79',
		'Token abc123',
		'token=abc',
		'ApiKey 1234',
		'SSWS 00QCjAl4MlV-WPXM',
		'HOBA result="a.b.c"',
		'Hawk id="dh37fgj492je", ts="1353832234", mac="6R4rV5iE+NPoym+WwjeHzjAGXUtLNIxmo1vpMofpLAE="',
		'Acme-Sig 5d41402abc4b2a76b9719d911017c592',
		'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl',
		'eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.',
		'id=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln; other=1',
		'https://user:s3cret@proxy.example.com/',
		'-----BEGIN PRIVATE KEY-----MIIEvQ',
		'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
		'anon_0123456789abcdef0123456789abcdef',
		'sk_live_51H8abcdefghijklmnop',
		'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
		'xoxb-1234-5678-abcdefghijkl',
		'AKIAIOSFODNN7EXAMPLE',
		'hvs.CAESIJlWh8P3hG3Yk8iX0R0M6v4W',
	];

	it.each(CREDENTIAL_VALUES)('keeps a value that looks like a credential redacted even when named: %s', (value) => {
		expect(looksLikeCredential(value)).toBe(true);
		expect(deliveryHeaders({ 'x-named': value }, 'x-named')).toEqual({ 'x-named': REDACTED });
		expect(deliveryHeaders({ 'x-named': ['plain', value] }, 'x-named')).toEqual({ 'x-named': REDACTED });
	});

	it.each(['acme', 'eu-west-1', 'req_01HX4J1SQ93Y9F6VBQ4JPZW66S', '42', 'hello world', 'order 2024-11-30T10:00:00Z', 'acme corporation', 'tenant acme-corporation-eu', 'true'])(
		'shows an ordinary value of a named header: %s',
		(value) => {
			expect(looksLikeCredential(value)).toBe(false);
			expect(deliveryHeaders({ 'x-named': value }, 'x-named')).toEqual({ 'x-named': value });
		},
	);
});
