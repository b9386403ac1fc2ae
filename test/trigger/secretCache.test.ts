/** How long a credential read is reused (secretCache.ts). */
import { FAILED_READ_REUSE_MS, SECRET_REUSE_MS, SecretCache } from '../../nodes/Anon/trigger/secretCache';

type Value = { ok: boolean; secret?: string };

describe('SecretCache', () => {
	/** A read that counts its calls and returns whatever `current` holds at that moment. */
	function source(initial: Value) {
		const state = { current: initial, reads: 0 };
		const read = async () => {
			state.reads += 1;
			return state.current;
		};
		return { state, read };
	}

	it('reuses a read for less than the bound, reads again from the bound on', async () => {
		const cache = new SecretCache<Value>(10_000);
		const { state, read } = source({ ok: true, secret: 'old' });
		expect(await cache.get('cred1', read, 0)).toEqual({ ok: true, secret: 'old' });
		state.current = { ok: true, secret: 'new' };
		expect(await cache.get('cred1', read, 9_999)).toEqual({ ok: true, secret: 'old' });
		expect(await cache.get('cred1', read, 10_000)).toEqual({ ok: true, secret: 'new' });
		expect(state.reads).toBe(2);
	});

	it('counts the bound from when the read started, not when it finished', async () => {
		const cache = new SecretCache<Value>(1_000);
		let finish!: (value: Value) => void;
		const slow = cache.get('cred1', () => new Promise<Value>((resolve) => (finish = resolve)), 0);
		finish({ ok: true, secret: 'old' });
		await slow;
		const { state, read } = source({ ok: true, secret: 'new' });
		// The read started at 0, so at 1,000 it is stale however late it answered.
		expect(await cache.get('cred1', read, 1_000)).toEqual({ ok: true, secret: 'new' });
		expect(state.reads).toBe(1);
	});

	it('shares one read among requests that arrive while it is under way', async () => {
		const cache = new SecretCache<Value>();
		const { state, read } = source({ ok: true, secret: 's' });
		const values = await Promise.all(Array.from({ length: 16 }, () => cache.get('cred1', read, 5)));
		expect(values.every((value) => value.secret === 's')).toBe(true);
		expect(state.reads).toBe(1);
	});

	it('keeps credentials apart', async () => {
		const cache = new SecretCache<Value>();
		await cache.get('cred1', async () => ({ ok: true, secret: 'one' }), 0);
		expect(await cache.get('cred2', async () => ({ ok: true, secret: 'two' }), 1)).toEqual({ ok: true, secret: 'two' });
		expect(await cache.get('cred1', async () => ({ ok: true, secret: 'other' }), 2)).toEqual({ ok: true, secret: 'one' });
	});

	it('keeps an unusable secret for FAILED_READ_REUSE_MS only: the fix is read a second later', async () => {
		const cache = new SecretCache<Value>();
		const { state, read } = source({ ok: false });
		expect((await cache.get('cred1', read, 0)).ok).toBe(false);
		state.current = { ok: true, secret: 'fixed' };
		expect((await cache.get('cred1', read, FAILED_READ_REUSE_MS - 1)).ok).toBe(false);
		expect(await cache.get('cred1', read, FAILED_READ_REUSE_MS)).toEqual({ ok: true, secret: 'fixed' });
		expect(cache.size).toBe(1);
	});

	it('does not keep a read that threw', async () => {
		const cache = new SecretCache<Value>();
		await expect(cache.get('cred1', async () => Promise.reject(new Error('database gone')), 0)).rejects.toThrow('database gone');
		expect(cache.size).toBe(0);
		expect(await cache.get('cred1', async () => ({ ok: true, secret: 's' }), 1)).toEqual({ ok: true, secret: 's' });
	});

	it('drops expired entries of other credentials, so it holds only recently used ones', async () => {
		const cache = new SecretCache<Value>(1_000);
		for (let i = 0; i < 100; i++) await cache.get(`cred${i}`, async () => ({ ok: true }), 0);
		expect(cache.size).toBe(100);
		await cache.get('fresh', async () => ({ ok: true }), 1_000);
		expect(cache.size).toBe(1);
	});

	it('has a bound of 10 s by default', () => {
		expect(SECRET_REUSE_MS).toBe(10_000);
	});
});
