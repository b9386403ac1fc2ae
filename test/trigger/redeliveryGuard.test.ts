/** The memory of accepted messages (redeliveryGuard.ts): claims, settling, bounds, and the sweep of idle guards. */
import {
	guardKey,
	IN_FLIGHT_LIMIT_MS,
	MAX_TOLERANCE_SECONDS,
	RedeliveryGuard,
	guardCountForTests,
	redeliveryGuardFor,
	type Claim,
} from '../../nodes/Anon/trigger/redeliveryGuard';

const WINDOW = 60_000;
/** A window of 60 s here. */
const BOUNDS = { windowMs: WINDOW };
const SIGNED_AT = 1_700_000_000;
/** The wall clock (ms) when SIGNED_AT was signed. */
const WALL = SIGNED_AT * 1000;

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

	it('remembers a signed request until no tolerance lets it verify, whatever the window (even 0, even lowered later)', () => {
		for (const windowMs of [0, 1_000, WINDOW]) {
			const guard = new RedeliveryGuard();
			settleOf(guard.claim('msg_1', SIGNED_AT, { windowMs: WINDOW }, 0, IN_FLIGHT_LIMIT_MS, WALL))(true, 0);
			// The window lowered (the workflow re-published), long after: the copy is still refused.
			const later = 10 * WINDOW;
			expect(guard.claim('msg_1', SIGNED_AT, { windowMs }, later, IN_FLIGHT_LIMIT_MS, WALL + later).status).toBe('replayed');
			// Signed afresh (a replay from Anon's Event Log), once the window has passed: runs.
			settleOf(guard.claim('msg_1', SIGNED_AT + 600, { windowMs }, later + 1, IN_FLIGHT_LIMIT_MS, WALL + later))(true, later + 1);
			// The first capture is refused until it is MAX_TOLERANCE_SECONDS old on the wall clock, then forgotten.
			const expiry = (SIGNED_AT + MAX_TOLERANCE_SECONDS) * 1000;
			expect(guard.claim('msg_1', SIGNED_AT, { windowMs: 0 }, later + 2, IN_FLIGHT_LIMIT_MS, expiry - 1).status).toBe('replayed');
			expect(guard.claim('msg_1', SIGNED_AT, { windowMs: 0 }, later + 3, IN_FLIGHT_LIMIT_MS, expiry).status).toBe('new');
		}
	});

	it('remembers a signed request whose run failed, as failed: its copies never run, a retry signed afresh does', () => {
		const guard = new RedeliveryGuard();
		settleOf(guard.claim('msg_1', SIGNED_AT, BOUNDS, 0, IN_FLIGHT_LIMIT_MS, WALL))(false, 1);
		expect(guard.claim('msg_1', SIGNED_AT, BOUNDS, 2, IN_FLIGHT_LIMIT_MS, WALL)).toEqual({ status: 'replayed', acceptedAt: expect.any(Date), failed: true });
		expect(guard.claim('msg_1', SIGNED_AT + 5, BOUNDS, 3, IN_FLIGHT_LIMIT_MS, WALL).status).toBe('new');
	});

	it('a wall clock stepped back keeps a capture refused: memory and verification read the same clock', () => {
		const guard = new RedeliveryGuard();
		settleOf(guard.claim('msg_1', SIGNED_AT, { windowMs: 0 }, 0, IN_FLIGHT_LIMIT_MS, WALL))(true, 0);
		// An hour later on the monotonic clock, the wall clock set back by a day.
		expect(guard.claim('msg_1', SIGNED_AT, { windowMs: 0 }, 3_600_000, IN_FLIGHT_LIMIT_MS, WALL - 86_400_000).status).toBe('replayed');
	});

	it('takes an id whose sender has gone as accepted once n8n has not answered within its answer limit', () => {
		const guard = new RedeliveryGuard();
		const claim = guard.claim('msg_1', SIGNED_AT, BOUNDS, 0, 1_000, WALL);
		if (claim.status !== 'new') throw new Error(claim.status);
		expect(guard.claim('msg_1', SIGNED_AT + 1, BOUNDS, 2_000, 1_000, WALL).status).toBe('in_flight');
		claim.senderGone();
		expect(guard.claim('msg_1', SIGNED_AT + 2, BOUNDS, 999, 1_000, WALL).status).toBe('in_flight');
		expect(guard.claim('msg_1', SIGNED_AT + 3, BOUNDS, 1_000, 1_000, WALL)).toEqual({ status: 'accepted', acceptedAt: expect.any(Date), presumed: true });
		// n8n's late non-2xx still releases it.
		claim.settle(false, 1_001);
		expect(guard.claim('msg_1', SIGNED_AT + 4, BOUNDS, 1_002, 1_000, WALL).status).toBe('new');
	});

	it('prunes expired ids on use, so memory follows the traffic of one window', () => {
		const guard = new RedeliveryGuard();
		for (let i = 0; i < 500; i++) settleOf(guard.claim(`msg_${i}`, SIGNED_AT, BOUNDS, i, IN_FLIGHT_LIMIT_MS, WALL))(true, i);
		guard.claim('msg_late', SIGNED_AT + MAX_TOLERANCE_SECONDS, BOUNDS, 500 + WINDOW, IN_FLIGHT_LIMIT_MS, WALL + MAX_TOLERANCE_SECONDS * 1000);
		// msg_late: in flight, and its signed request.
		expect(guard.size).toBe(2);
	});
});

describe('redeliveryGuardFor', () => {
	it('drops the guards of idle workflows, at most once a minute, however full they were', () => {
		const start = performance.now() + 10 * WINDOW;
		const full = redeliveryGuardFor(guardKey('wf-idle', 'node1'), start);
		for (let i = 0; i < 2000; i++) settleOf(full.claim(`msg_${i}`, SIGNED_AT, BOUNDS, start))(true, start);
		const busy = redeliveryGuardFor(guardKey('wf-busy', 'node1'), start);
		const before = guardCountForTests();
		// Within the minute after the last sweep nothing is swept; after the window, the idle guard goes.
		const later = start + WINDOW + 60_000;
		settleOf(busy.claim('msg_recent', SIGNED_AT, BOUNDS, later - 1))(true, later - 1);
		redeliveryGuardFor(guardKey('wf-busy', 'node1'), later);
		expect(guardCountForTests()).toBeLessThan(before);
		expect(redeliveryGuardFor(guardKey('wf-idle', 'node1'), later)).not.toBe(full);
		expect(redeliveryGuardFor(guardKey('wf-busy', 'node1'), later)).toBe(busy);
	});
});
