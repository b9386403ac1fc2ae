import { RedeliveryGuard } from '../../nodes/Anon/trigger/redeliveryGuard';

const WINDOW = 60_000;

describe('RedeliveryGuard', () => {
	it('claims a new id, sees it in flight, then accepted within the window', () => {
		const guard = new RedeliveryGuard();
		expect(guard.claim('msg_1', WINDOW, 0)).toEqual({ status: 'new' });
		expect(guard.claim('msg_1', WINDOW, 10)).toEqual({ status: 'in_flight' });
		guard.accept('msg_1', 20);
		expect(guard.claim('msg_1', WINDOW, 30)).toEqual({ status: 'accepted', acceptedAt: 20 });
		expect(guard.claim('msg_2', WINDOW, 30)).toEqual({ status: 'new' });
	});

	it('forgets an id once the window has passed', () => {
		const guard = new RedeliveryGuard();
		guard.claim('msg_1', WINDOW, 0);
		guard.accept('msg_1', 0);
		expect(guard.claim('msg_1', WINDOW, WINDOW - 1).status).toBe('accepted');
		expect(guard.claim('msg_1', WINDOW, WINDOW).status).toBe('new');
	});

	it('forgets a released id, so its retry runs', () => {
		const guard = new RedeliveryGuard();
		guard.claim('msg_1', WINDOW, 0);
		guard.release('msg_1');
		expect(guard.claim('msg_1', WINDOW, 1)).toEqual({ status: 'new' });
	});

	it('keeps at most maxEntries ids, dropping the oldest first', () => {
		const guard = new RedeliveryGuard(100);
		for (let i = 0; i < 1000; i++) {
			guard.claim(`msg_${i}`, WINDOW, i);
			guard.accept(`msg_${i}`, i);
		}
		expect(guard.size).toBe(100);
		expect(guard.claim('msg_999', WINDOW, 1000).status).toBe('accepted');
		expect(guard.claim('msg_0', WINDOW, 1000).status).toBe('new');
	});

	it('prunes expired ids on use, so memory follows the traffic of one window', () => {
		const guard = new RedeliveryGuard();
		for (let i = 0; i < 500; i++) guard.accept(`msg_${i}`, i);
		guard.claim('msg_late', WINDOW, 500 + WINDOW);
		expect(guard.size).toBe(1);
	});
});
