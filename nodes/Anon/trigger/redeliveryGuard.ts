/**
 * Remembers which Svix messages a trigger node has already handed to n8n, so that a retry (same
 * `svix-id`) is acknowledged without running the workflow twice, and a captured request (same
 * id and same signed timestamp) never runs twice while its signature is still accepted.
 *
 * In memory, per n8n process, forgotten on restart. An id is *in flight* from the moment a
 * delivery claims it until n8n has answered that delivery: then it is *accepted* (remembered)
 * or *released* (n8n answered with a non-2xx, so the retry must run the workflow). Copies
 * arriving while it is in flight are told to come back later, however long n8n takes (up to
 * IN_FLIGHT_LIMIT_MS). An accepted id is remembered for the Redelivery Window; the signed
 * request (id and timestamp) for twice the Timestamp Tolerance, the longest a captured copy can
 * still pass verification. Memory is bounded by time alone: only verified requests reach the
 * guard, so only Anon's own traffic fills it, and forgetting an id inside its window would run
 * a real event twice. Times come from a monotonic clock: a wall-clock step never stretches them.
 */
import { monotonicNow } from './clock';

/**
 * How long an id may stay in flight without n8n answering. Far beyond Anon's retries (a first
 * attempt and two more) and a long workflow run; only a request n8n never answers lasts so long.
 */
export const IN_FLIGHT_LIMIT_MS = 24 * 60 * 60_000;
/** How often the guards of all workflows are swept for ones with nothing left to remember. */
const SWEEP_INTERVAL_MS = 60_000;

/** How long accepted messages are remembered, by id and by signed request. */
export interface Bounds {
	/** The Redelivery Window: a retry with the same id within it is a duplicate (0: off). */
	windowMs: number;
	/** Twice the Timestamp Tolerance: the same signed request within it is a replay. */
	replayMs: number;
}

/** Settles a claim: `acknowledged` once n8n answered its delivery with a 2xx. */
export type Settle = (acknowledged: boolean, now?: number) => void;

export type Claim =
	| { status: 'new'; settle: Settle }
	| { status: 'in_flight' }
	| { status: 'accepted'; acceptedAt: Date }
	| { status: 'replayed'; acceptedAt: Date };

type Timed = { at: number };
/** `acceptedAt`: wall-clock ms, for the answer's text only. */
type Accepted = Timed & { acceptedAt: number };

export class RedeliveryGuard {
	// Maps iterate in insertion order and every entry is (re)inserted when its time is set, so
	// the oldest entry of each map is first: expiry is cheap.
	private readonly inFlight = new Map<string, Timed>();
	private readonly accepted = new Map<string, Accepted>();
	private readonly signed = new Map<string, Accepted>();
	private bounds: Bounds = { windowMs: 0, replayMs: 0 };

	/** Ids and signed requests remembered, in flight included. */
	get size(): number {
		return this.inFlight.size + this.accepted.size + this.signed.size;
	}

	/**
	 * Claims message `id`, signed at `signedAt` (unix seconds), for a new execution, unless it is
	 * in flight, was accepted within the window, or this very signed request was accepted within
	 * the replay bound. A new claim comes with `settle`, to be called once n8n has answered the
	 * delivery: `true` remembers the id as accepted, `false` forgets it. A settle from a claim that
	 * is no longer the id's current one changes nothing.
	 */
	claim(id: string, signedAt: number, bounds: Bounds, now: number): Claim {
		this.bounds = bounds;
		this.prune(now);
		const signature = `${signedAt}.${id}`;
		const accepted = this.accepted.get(id);
		if (accepted) return { status: 'accepted', acceptedAt: new Date(accepted.acceptedAt) };
		const replayed = this.signed.get(signature);
		if (replayed) return { status: 'replayed', acceptedAt: new Date(replayed.acceptedAt) };
		if (this.inFlight.has(id)) return { status: 'in_flight' };

		const claimed: Timed = { at: now };
		renew(this.inFlight, id, claimed);
		let kept: Accepted | undefined;
		const settle: Settle = (acknowledged, settledAt = monotonicNow()) => {
			if (this.inFlight.get(id) === claimed) this.inFlight.delete(id);
			else if (!kept) return;
			if (!acknowledged) {
				if (kept && this.accepted.get(id) === kept) this.accepted.delete(id);
				if (kept && this.signed.get(signature) === kept) this.signed.delete(signature);
				kept = undefined;
				return;
			}
			if (kept) return;
			kept = { at: settledAt, acceptedAt: Date.now() };
			if (this.bounds.windowMs > 0) renew(this.accepted, id, kept);
			// Within the window the id alone already answers a replay.
			if (this.bounds.replayMs > this.bounds.windowMs) renew(this.signed, signature, kept);
		};
		return { status: 'new', settle };
	}

	/** Drops what has expired; true when nothing is left. */
	prune(now: number): boolean {
		expire(this.inFlight, now - IN_FLIGHT_LIMIT_MS);
		expire(this.accepted, now - this.bounds.windowMs);
		expire(this.signed, now - this.bounds.replayMs);
		return this.size === 0;
	}
}

function renew<T>(entries: Map<string, T>, key: string, value: T): void {
	entries.delete(key);
	entries.set(key, value);
}

/** Deletes the entries set at or before `until`, oldest first. */
function expire(entries: Map<string, Timed>, until: number): void {
	for (const [key, entry] of entries) {
		if (entry.at > until) break;
		entries.delete(key);
	}
}

const guards = new Map<string, RedeliveryGuard>();
let lastSweep = monotonicNow();

/** The guard key of one trigger node of a workflow. */
export const guardKey = (workflowId: string | undefined, nodeId: string): string => `${workflowId ?? ''}/${nodeId}`;

/**
 * One guard per trigger node of a workflow (see guardKey), shared by its requests, for as long
 * as the process runs: n8n's hooks (a Test-URL session ending, a re-publish, a deactivation) do
 * not touch it. Guards with nothing left to remember are dropped, at most once a minute, so
 * idle and deactivated workflows hold no memory.
 */
export function redeliveryGuardFor(key: string, now = monotonicNow()): RedeliveryGuard {
	if (now - lastSweep >= SWEEP_INTERVAL_MS) {
		lastSweep = now;
		for (const [other, guard] of guards) if (guard.prune(now)) guards.delete(other);
	}
	let guard = guards.get(key);
	if (!guard) {
		guard = new RedeliveryGuard();
		guards.set(key, guard);
	}
	return guard;
}

/** How many guards this process holds (for tests). */
export const redeliveryGuardCount = (): number => guards.size;
