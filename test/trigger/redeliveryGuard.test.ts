import {
	guardKey,
	IN_FLIGHT_LIMIT_MS,
	RedeliveryGuard,
	redeliveryGuardCount,
	redeliveryGuardFor,
	type Claim,
} from '../../nodes/Anon/trigger/redeliveryGuard';

const WINDOW = 60_000;
/** The default: a window of 60 s here, a tolerance of 5 s (replays remembered 10 s). */
const BOUNDS = { windowMs: WINDOW, replayMs: 10_000 };
const SIGNED_AT = 1_700_000_000;

function settleOf(claim: Claim) {
	if (claim.status !== 'new') throw new Error(`expected a new claim, got ${claim.status}`);
	return claim.settle;
}

describe('RedeliveryGuard', () => {
	it('claims a new id, sees it in flight, then accepted within the window', () => {
		const guard = new RedeliveryGuard();
		const settle = settleOf(guard.claim('msg_1', SIGNED_AT, BOUNDS, 0));
		expect(guard.claim('msg_1', SIGNED_AT, BOUNDS, 10)).toEqual({ status: 'in_flight' });
		settle(true, 20);
		expect(guard.claim('msg_1', SIGNED_AT + 5, BOUNDS, 30)).toEqual({ status: 'accepted', acceptedAt: expect.any(Date) });
		expect(guard.claim('msg_2', SIGNED_AT, BOUNDS, 30).status).toBe('new');
	});

	it('forgets an id once the window has passed since it was accepted', () => {
		const guard = new RedeliveryGuard();
		settleOf(guard.claim('msg_1', SIGNED_AT, BOUNDS, 0))(true, 0);
		expect(guard.claim('msg_1', SIGNED_AT + 1, BOUNDS, WINDOW - 1).status).toBe('accepted');
		expect(guard.claim('msg_1', SIGNED_AT + 2, BOUNDS, WINDOW).status).toBe('new');
	});

	it('forgets an id whose delivery n8n did not acknowledge, so its retry runs', () => {
		const guard = new RedeliveryGuard();
		settleOf(guard.claim('msg_1', SIGNED_AT, BOUNDS, 0))(false, 1);
		expect(guard.claim('msg_1', SIGNED_AT, BOUNDS, 2).status).toBe('new');
	});

	it('releases an id accepted when its sender left, once n8n answers that delivery with a non-2xx', () => {
		const guard = new RedeliveryGuard();
		const settle = settleOf(guard.claim('msg_1', SIGNED_AT, BOUNDS, 0));
		settle(true, 1);
		settle(false, 2);
		expect(guard.claim('msg_1', SIGNED_AT, BOUNDS, 3).status).toBe('new');
	});

	it('keeps an id in flight until n8n answers, however long past the window, up to the in-flight limit', () => {
		const guard = new RedeliveryGuard();
		const stale = settleOf(guard.claim('msg_1', SIGNED_AT, BOUNDS, 0));
		expect(guard.claim('msg_1', SIGNED_AT, BOUNDS, 10 * WINDOW).status).toBe('in_flight');
		const fresh = settleOf(guard.claim('msg_1', SIGNED_AT, BOUNDS, IN_FLIGHT_LIMIT_MS));
		// A late answer to the expired claim changes nothing.
		stale(false, IN_FLIGHT_LIMIT_MS + 1);
		expect(guard.claim('msg_1', SIGNED_AT, BOUNDS, IN_FLIGHT_LIMIT_MS + 2)).toEqual({ status: 'in_flight' });
		fresh(true, IN_FLIGHT_LIMIT_MS + 3);
		expect(guard.claim('msg_1', SIGNED_AT, BOUNDS, IN_FLIGHT_LIMIT_MS + 4).status).toBe('accepted');
	});

	it('has no count bound: 200,000 ids within the window are all remembered', () => {
		const guard = new RedeliveryGuard();
		for (let i = 0; i < 200_000; i++) settleOf(guard.claim(`msg_${i}`, SIGNED_AT, BOUNDS, i / 10))(true, i / 10);
		expect(guard.claim('msg_0', SIGNED_AT, BOUNDS, 20_001).status).toBe('accepted');
	});

	it('remembers a signed request for the replay bound when the window is shorter or off', () => {
		for (const windowMs of [0, 1_000]) {
			const guard = new RedeliveryGuard();
			const bounds = { windowMs, replayMs: 10_000 };
			settleOf(guard.claim('msg_1', SIGNED_AT, bounds, 0))(true, 0);
			expect(guard.claim('msg_1', SIGNED_AT, bounds, 5_000).status).toBe('replayed');
			// Signed afresh (a replay from Anon's Event Log): runs.
			settleOf(guard.claim('msg_1', SIGNED_AT + 60, bounds, 5_001))(true, 5_001);
			// The first capture is still refused, then forgotten once it cannot pass verification.
			expect(guard.claim('msg_1', SIGNED_AT, bounds, 9_999).status).toBe('replayed');
			expect(guard.claim('msg_1', SIGNED_AT, bounds, 10_000).status).toBe('new');
		}
	});

	it('prunes expired ids on use, so memory follows the traffic of one window', () => {
		const guard = new RedeliveryGuard();
		for (let i = 0; i < 500; i++) settleOf(guard.claim(`msg_${i}`, SIGNED_AT, BOUNDS, i))(true, i);
		guard.claim('msg_late', SIGNED_AT, BOUNDS, 500 + WINDOW);
		expect(guard.size).toBe(1);
	});
});

describe('redeliveryGuardFor', () => {
	it('drops the guards of idle workflows, at most once a minute, however full they were', () => {
		const start = performance.now() + 10 * WINDOW;
		const full = redeliveryGuardFor(guardKey('wf-idle', 'node1'), start);
		for (let i = 0; i < 2000; i++) settleOf(full.claim(`msg_${i}`, SIGNED_AT, BOUNDS, start))(true, start);
		const busy = redeliveryGuardFor(guardKey('wf-busy', 'node1'), start);
		const before = redeliveryGuardCount();
		// Within the minute after the last sweep nothing is swept; after the window, the idle guard goes.
		const later = start + WINDOW + 60_000;
		settleOf(busy.claim('msg_recent', SIGNED_AT, BOUNDS, later - 1))(true, later - 1);
		redeliveryGuardFor(guardKey('wf-busy', 'node1'), later);
		expect(redeliveryGuardCount()).toBeLessThan(before);
		expect(redeliveryGuardFor(guardKey('wf-idle', 'node1'), later)).not.toBe(full);
		expect(redeliveryGuardFor(guardKey('wf-busy', 'node1'), later)).toBe(busy);
	});
});
