/** At most one log line per key per interval (logLimiter.ts). */
import { LOG_INTERVAL_MS, LogLimiter } from '../../nodes/Anon/trigger/logLimiter';

describe('LogLimiter', () => {
	it('allows one line per key per interval', () => {
		const limiter = new LogLimiter();
		expect(limiter.allow('wf/cred', 0)).toBe(true);
		expect(limiter.allow('wf/cred', 1)).toBe(false);
		expect(limiter.allow('wf/cred', LOG_INTERVAL_MS - 1)).toBe(false);
		expect(limiter.allow('wf/other', 2)).toBe(true);
		expect(limiter.allow('wf/cred', LOG_INTERVAL_MS)).toBe(true);
		expect(limiter.allow('wf/cred', LOG_INTERVAL_MS + 1)).toBe(false);
	});

	it('is 60 s by default', () => {
		expect(LOG_INTERVAL_MS).toBe(60_000);
	});

	it('stays bounded: beyond its capacity the oldest keys go first, and a key that went may log again', () => {
		const limiter = new LogLimiter(LOG_INTERVAL_MS, 3);
		for (const key of ['a', 'b', 'c', 'd']) expect(limiter.allow(key, 10)).toBe(true);
		expect(limiter.size).toBeLessThanOrEqual(3);
		expect(limiter.allow('d', 11)).toBe(false);
		expect(limiter.allow('a', 11)).toBe(true);
	});
});
