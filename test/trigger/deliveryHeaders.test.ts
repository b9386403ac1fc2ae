/** Which request headers *Include Delivery Details* copies into an execution (deliveryHeaders.ts). */
import fc from 'fast-check';

import * as headersModule from '../../nodes/Anon/trigger/deliveryHeaders';
import { REDACTED } from '../../nodes/Anon/trigger/deliveryHeaders';
import credentialHeaders from '../../fixtures/credential-headers.json';

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

	// Built from parts, so that no complete key of these formats is written in the repository.
	const alnum = (length: number) => 'aB3dE5fG7hJ9kL2mN4pQ6rS8tU0vW1xY'.repeat(8).slice(0, length);
	const hex = (length: number) => '0123456789abcdef'.repeat(8).slice(0, length);
	const WELL_KNOWN_KEYS = [
		['an OpenAI project key', `sk-proj-${alnum(40)}-${alnum(20)}_${alnum(30)}`],
		['an OpenAI service account key', `sk-svcacct-${alnum(48)}`],
		['a plain OpenAI key', `sk-${alnum(48)}`],
		['an Anthropic key', `sk-ant-api03-${alnum(60)}-${alnum(30)}AA`],
		['an npm token', `npm_${alnum(36)}`],
		['a SendGrid key', `SG.${alnum(22)}.${alnum(20)}-${alnum(22)}`],
		['a Hugging Face token', `hf_${alnum(34)}`],
		['a PyPI token', `pypi-AgEIcHlwaS5vcmc${alnum(50)}`],
		['a Square access token', `sq0atp-${alnum(22)}`],
		['a Square application secret', `sq0csp-${alnum(43)}`],
		['a Shopify access token', `shpat_${hex(32)}`],
		['a Shopify shared secret', `shpss_${hex(32)}`],
		['a DigitalOcean token', `dop_v1_${hex(64)}`],
		['a Grafana Cloud token', `glc_${alnum(60)}`],
		['a Grafana service account token', `glsa_${alnum(32)}_${hex(8)}`],
	];

	it.each(WELL_KNOWN_KEYS)('keeps %s redacted even when named', (_family, value) => {
		expect(looksLikeCredential(value)).toBe(true);
		expect(deliveryHeaders({ 'x-named': value }, 'x-named')).toEqual({ 'x-named': REDACTED });
		expect(deliveryHeaders({ 'x-named': `region=eu; ${value}` }, 'x-named')).toEqual({ 'x-named': REDACTED });
	});

	// What users name on purpose: ids of all shapes. Detection goes by prefix and shape, never by
	// how random a value looks.
	it.each([
		['a W3C trace context', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
		['a tenant UUID', '9b2f3c1e-5d7a-4e8b-9c0d-1f2e3a4b5c6d'],
		['a short request id', 'req_abc123'],
		['an AWS X-Ray trace id', 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1'],
		['a B3 trace id', '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1'],
		['a Cloudflare ray id', '8c2f7c9b6d1a2b3c-AMS'],
		['a long hex request id', hex(64)],
		['a long random-looking id', `evt_${alnum(40)}`],
		['a SKU', 'sk-1234'],
		['a model name', 'hf_bert-base'],
		['an npm script name', 'npm_lifecycle'],
		['a version tag', 'SG.2024.11'],
	])('shows %s of a named header: no guessing by entropy', (_kind, value) => {
		expect(looksLikeCredential(value)).toBe(false);
		expect(deliveryHeaders({ 'x-named': value }, 'x-named')).toEqual({ 'x-named': value });
	});

	it.each(['acme', 'eu-west-1', 'req_01HX4J1SQ93Y9F6VBQ4JPZW66S', '42', 'hello world', 'order 2024-11-30T10:00:00Z', 'acme corporation', 'tenant acme-corporation-eu', 'true'])(
		'shows an ordinary value of a named header: %s',
		(value) => {
			expect(looksLikeCredential(value)).toBe(false);
			expect(deliveryHeaders({ 'x-named': value }, 'x-named')).toEqual({ 'x-named': value });
		},
	);
});

describe('deliveryHeaders: a repeated header, joined by Node with ", "', () => {
	// Node joins a header that came twice (`x-user: alice` and `x-user: Bearer …`) into one value.
	it.each([
		['Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0'],
		['Basic YWxpY2U6c2VjcmV0LXBhc3N3b3Jk'],
		['whsec_plJ3nmyCDGBKInavdOK15jsl'],
	])('a named header whose second value is a credential (%s) stays redacted', (credential) => {
		expect(deliveryHeaders({ 'x-user': `alice, ${credential}` }, 'x-user')).toEqual({ 'x-user': REDACTED });
		expect(deliveryHeaders({ 'x-user': ['alice', credential] }, 'x-user')).toEqual({ 'x-user': REDACTED });
	});

	it('shows a named header whose parts are all plain data', () => {
		expect(deliveryHeaders({ 'x-tenant': 'acme, beta' }, 'x-tenant')).toEqual({ 'x-tenant': 'acme, beta' });
	});
});
