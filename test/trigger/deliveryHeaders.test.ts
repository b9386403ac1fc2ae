import fc from 'fast-check';

import { deliveryHeaders, isCredentialHeader, REDACTED } from '../../nodes/Anon/trigger/deliveryHeaders';

describe('deliveryHeaders', () => {
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
		).toEqual({ 'x-tenant': 'acme', 'x-region': ['eu', 'us'] });
	});

	it.each([
		'authorization',
		'proxy-authorization',
		'cookie',
		'x-api-key',
		'api-key',
		'x-auth-token',
		'x-authentication',
		'x-access-token',
		'x-client-secret',
		'x-hub-signature-256',
		'idempotency-key',
		'x-session-id',
		'x-password',
		'x-credentials',
	])('redacts %s by name, keeping the name', (name) => {
		expect(isCredentialHeader(name)).toBe(true);
		expect(deliveryHeaders({ [name]: 'the-value' })).toEqual({ [name]: REDACTED });
		expect(deliveryHeaders({ [name]: ['a', 'b'] })).toEqual({ [name]: REDACTED });
	});

	it('matches names in any case', () => {
		expect(deliveryHeaders({ Authorization: 'Bearer x', 'X-Tenant': 'acme' })).toEqual({
			authorization: REDACTED,
			'x-tenant': 'acme',
		});
	});

	it('never lets the value of a credential-named header through, whatever the name around it', () => {
		const word = fc.constantFrom('token', 'secret', 'signature', 'key', 'auth', 'Token', 'SECRET', 'Auth');
		const affix = fc.stringMatching(/^[a-z0-9-]{0,12}$/);
		fc.assert(
			fc.property(affix, word, affix, fc.string({ minLength: 1 }), (before, middle, after, value) => {
				const name = `x-${before}${middle}${after}`;
				// Left out (a standard prefix such as x-forwarded-) or redacted; never the value.
				for (const kept of Object.values(deliveryHeaders({ [name]: `value:${value}` }))) expect(kept).toBe(REDACTED);
			}),
			{ numRuns: 500 },
		);
	});

	it('leaves ordinary custom headers as sent', () => {
		expect(isCredentialHeader('x-tenant')).toBe(false);
		expect(isCredentialHeader('x-request-id')).toBe(false);
		expect(deliveryHeaders({ 'x-request-id': 'req_1' })).toEqual({ 'x-request-id': 'req_1' });
	});
});
