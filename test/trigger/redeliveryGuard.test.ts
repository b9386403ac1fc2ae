import {
	dropRedeliveryGuard,
	guardKey,
	RedeliveryGuard,
	redeliveryGuardCount,
	redeliveryGuardFor,
	type Claim,
} from '../../nodes/Anon/trigger/redeliveryGuard';

const WINDOW = 60_000;

function settleOf(claim: Claim) {
	if (claim.status !== 'new') throw new Error(`expected a new claim, got ${claim.status}`);
	return claim.settle;
}

describe('RedeliveryGuard', () => {
	it('claims a new id, sees it in flight, then accepted within the window', () => {
		const guard = new RedeliveryGuard();
		const settle = settleOf(guard.claim('msg_1', WINDOW, 0));
		expect(guard.claim('msg_1', WINDOW, 10)).toEqual({ status: 'in_flight' });
		settle(true, 20);
		expect(guard.claim('msg_1', WINDOW, 30)).toEqual({ status: 'accepted', acceptedAt: expect.any(Date) });
		expect(guard.claim('msg_2', WINDOW, 30).status).toBe('new');
	});

	it('forgets an id once the window has passed since it was accepted', () => {
		const guard = new RedeliveryGuard();
		settleOf(guard.claim('msg_1', WINDOW, 0))(true, 0);
		expect(guard.claim('msg_1', WINDOW, WINDOW - 1).status).toBe('accepted');
		expect(guard.claim('msg_1', WINDOW, WINDOW).status).toBe('new');
	});

	it('forgets an id whose delivery n8n did not acknowledge, so its retry runs', () => {
		const guard = new RedeliveryGuard();
		settleOf(guard.claim('msg_1', WINDOW, 0))(false, 1);
		expect(guard.claim('msg_1', WINDOW, 2).status).toBe('new');
	});

	it('releases an id accepted when its sender left, once n8n answers that delivery with a non-2xx', () => {
		const guard = new RedeliveryGuard();
		const settle = settleOf(guard.claim('msg_1', WINDOW, 0));
		settle(true, 1);
		settle(false, 2);
		expect(guard.claim('msg_1', WINDOW, 3).status).toBe('new');
	});

	it('ignores a late settle from a claim that has expired and been claimed again', () => {
		const guard = new RedeliveryGuard();
		const stale = settleOf(guard.claim('msg_1', WINDOW, 0));
		const fresh = settleOf(guard.claim('msg_1', WINDOW, WINDOW));
		stale(false, WINDOW + 1);
		expect(guard.claim('msg_1', WINDOW, WINDOW + 2)).toEqual({ status: 'in_flight' });
		fresh(true, WINDOW + 3);
		expect(guard.claim('msg_1', WINDOW, WINDOW + 4).status).toBe('accepted');
	});

	it('keeps at most maxEntries ids, dropping the oldest first', () => {
		const guard = new RedeliveryGuard(100);
		for (let i = 0; i < 1000; i++) settleOf(guard.claim(`msg_${i}`, WINDOW, i))(true, i);
		expect(guard.size).toBe(100);
		expect(guard.claim('msg_999', WINDOW, 1000).status).toBe('accepted');
		expect(guard.claim('msg_0', WINDOW, 1000).status).toBe('new');
	});

	it('prunes expired ids on use, so memory follows the traffic of one window', () => {
		const guard = new RedeliveryGuard();
		for (let i = 0; i < 500; i++) settleOf(guard.claim(`msg_${i}`, WINDOW, i))(true, i);
		guard.claim('msg_late', WINDOW, 500 + WINDOW);
		expect(guard.size).toBe(1);
	});
});

describe('redeliveryGuardFor', () => {
	it('drops the guards of idle workflows, at most once a minute, however full they were', () => {
		const start = performance.now() + 10 * WINDOW;
		const full = redeliveryGuardFor(guardKey('wf-idle', 'node1'), start);
		for (let i = 0; i < 2000; i++) settleOf(full.claim(`msg_${i}`, WINDOW, start))(true, start);
		const busy = redeliveryGuardFor(guardKey('wf-busy', 'node1'), start);
		const before = redeliveryGuardCount();
		// Within the minute after the last sweep nothing is swept; after the window, the idle guard goes.
		const later = start + WINDOW + 60_000;
		settleOf(busy.claim('msg_recent', WINDOW, later - 1))(true, later - 1);
		redeliveryGuardFor(guardKey('wf-busy', 'node1'), later);
		expect(redeliveryGuardCount()).toBeLessThan(before);
		expect(redeliveryGuardFor(guardKey('wf-idle', 'node1'), later)).not.toBe(full);
		expect(redeliveryGuardFor(guardKey('wf-busy', 'node1'), later)).toBe(busy);
	});

	it('forgets a guard when its workflow is deactivated', () => {
		const guard = redeliveryGuardFor(guardKey('wf-off', 'node1'));
		settleOf(guard.claim('msg_1', WINDOW, performance.now()))(true);
		dropRedeliveryGuard(guardKey('wf-off', 'node1'));
		expect(redeliveryGuardFor(guardKey('wf-off', 'node1'))).not.toBe(guard);
	});
});
