/**
 * Reuses what a credential read returned, for a bounded time.
 *
 * In a webhook, n8n's `getCredentials` is the most expensive call the Anon Trigger makes: it
 * loads the credential row from the database, decrypts it, and resolves its fields through a
 * freshly acquired isolate of n8n's expression engine, a second one besides the isolate n8n
 * already holds for the request. Under load that wait is most of the gap to the cheapest
 * community trigger (BENCHMARKS.md, section 2c).
 *
 * The bound: an answer is reused for at most `reuseMs` after its read *started*, so a secret
 * changed in n8n at time t is used by every request from t + reuseMs on (a read that started
 * after t already sees it). Failed reads and unusable secrets are not kept: fixing them takes
 * effect on the next request.
 */
export const SECRET_REUSE_MS = 10_000;

type Entry<T> = { readAt: number; value: Promise<T> };

export class SecretCache<T extends { ok: boolean }> {
	private readonly entries = new Map<string, Entry<T>>();

	constructor(private readonly reuseMs = SECRET_REUSE_MS) {}

	get size(): number {
		return this.entries.size;
	}

	/**
	 * The value read for `key` less than `reuseMs` ago, else `read()`'s. Requests arriving
	 * while a read is under way share it instead of starting their own.
	 */
	async get(key: string, read: () => Promise<T>, now: number): Promise<T> {
		const cached = this.entries.get(key);
		if (cached && now - cached.readAt < this.reuseMs) return await cached.value;
		for (const [other, entry] of this.entries) {
			if (now - entry.readAt >= this.reuseMs) this.entries.delete(other);
		}
		const entry: Entry<T> = { readAt: now, value: read() };
		this.entries.set(key, entry);
		const forget = () => {
			if (this.entries.get(key) === entry) this.entries.delete(key);
		};
		entry.value.then((value) => {
			if (!value.ok) forget();
		}, forget);
		return await entry.value;
	}
}
