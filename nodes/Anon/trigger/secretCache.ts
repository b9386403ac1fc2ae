/**
 * Reuses what a credential read returned, for a bounded time.
 *
 * In a webhook, n8n's `getCredentials` is the most expensive call the Anon Trigger makes: it
 * loads the credential row from the database, decrypts it, and resolves its fields through a
 * freshly acquired isolate of n8n's expression engine, a second one besides the isolate n8n
 * already holds for the request. Under load that wait is most of the gap to the cheapest
 * community trigger (BENCHMARKS.md).
 *
 * The bound: an answer is reused for at most `reuseMs` after its read *started*, so a secret
 * changed in n8n at time t is used by every request from t + reuseMs on (a read that started
 * after t already sees it). Failed reads and unusable secrets are kept for FAILED_READ_REUSE_MS.
 */
import type { IWebhookFunctions } from 'n8n-workflow';

import { monotonicNow } from './clock';
import { parseCredentialSecrets, type SigningKey } from './signingSecret';

export const SECRET_REUSE_MS = 10_000;
/**
 * A failed read or an unusable secret is reused for this long: an unsigned caller of a
 * misconfigured endpoint then costs n8n at most one credential read (a database query and a
 * decryption) a second, and a fixed credential takes effect within a second.
 */
export const FAILED_READ_REUSE_MS = 1_000;

type Entry<T> = { readAt: number; reuseMs: number; value: Promise<T> };

export class SecretCache<T extends { ok: boolean }> {
	private readonly entries = new Map<string, Entry<T>>();

	constructor(
		private readonly reuseMs = SECRET_REUSE_MS,
		private readonly failedReuseMs = FAILED_READ_REUSE_MS,
	) {}

	get size(): number {
		return this.entries.size;
	}

	/**
	 * The value read for `key` less than `reuseMs` ago (`failedReuseMs` for a value that is not
	 * ok), else `read()`'s. Requests arriving while a read is under way share it instead of
	 * starting their own. A read that throws is not kept.
	 */
	async get(key: string, read: () => Promise<T>, now: number): Promise<T> {
		const cached = this.entries.get(key);
		if (cached && now - cached.readAt < cached.reuseMs) return await cached.value;
		for (const [other, entry] of this.entries) {
			if (now - entry.readAt >= entry.reuseMs) this.entries.delete(other);
		}
		const entry: Entry<T> = { readAt: now, reuseMs: this.reuseMs, value: read() };
		this.entries.set(key, entry);
		entry.value.then(
			(value) => {
				if (!value.ok) entry.reuseMs = this.failedReuseMs;
			},
			() => {
				if (this.entries.get(key) === entry) this.entries.delete(key);
			},
		);
		return await entry.value;
	}
}

/**
 * The keys a request may be signed with: the endpoint's Signing Secret and, on the Test URL
 * only, the optional Testing Endpoint Signing Secret (a second endpoint in Anon's dashboard
 * pointed at the Test URL, so production stays untouched).
 */
export type RequestKeys = { ok: true; key: SigningKey; testingKey?: SigningKey } | { ok: false; message: string };

/** What one credential read gives, per URL: worked out once per read, not per request. */
type CredentialKeys = { ok: true; production: RequestKeys; testUrl: RequestKeys } | { ok: false; message: string };

const credentialKeys = new SecretCache<CredentialKeys>();

/**
 * The keys a request to this node may be signed with, from its credential, read at most once
 * per 10 s per workflow and credential (see SecretCache for the bounds), on the Test URL as on
 * the Production URL: whoever finds a listening Test URL can send it requests too, and a changed
 * credential shows within the same 10 s on both. A malformed testing secret refuses only the
 * Test URL.
 */
export async function requestKeys(context: IWebhookFunctions): Promise<RequestKeys> {
	const credentialId = context.getNode().credentials?.anonWebhookApi?.id;
	// Per workflow as well: a read is only reused where n8n's own read (and its permission
	// check for this workflow) would have returned it.
	const read = credentialId
		? await credentialKeys.get(`${context.getWorkflow().id ?? ''}/${credentialId}`, async () => await readCredentialKeys(context), monotonicNow())
		: await readCredentialKeys(context);
	if (!read.ok) return read;
	return context.getMode() === 'manual' ? read.testUrl : read.production;
}

async function readCredentialKeys(context: IWebhookFunctions): Promise<CredentialKeys> {
	let credentials: { signingSecret?: string; testSigningSecret?: string };
	try {
		credentials = await context.getCredentials<{ signingSecret?: string; testSigningSecret?: string }>('anonWebhookApi');
	} catch (error) {
		return { ok: false, message: `no Anon Webhook credential could be read (${(error as Error).message}).` };
	}
	const secrets = parseCredentialSecrets(credentials);
	if (!secrets.ok) return secrets;
	const production: RequestKeys = { ok: true, key: secrets.key };
	if (!secrets.testing) return { ok: true, production, testUrl: production };
	const testUrl: RequestKeys = secrets.testing.ok
		? { ok: true, key: secrets.key, testingKey: secrets.testing.key }
		: { ok: false, message: `its Testing Endpoint Signing Secret is unusable: ${secrets.testing.message}` };
	return { ok: true, production, testUrl };
}
