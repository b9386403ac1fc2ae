/**
 * Remembers which Svix messages a trigger node has already handed to n8n, so that a retry (same
 * `svix-id`) is acknowledged without running the workflow twice, and a captured request (same
 * id and same signed timestamp) never runs twice while its signature could still be accepted.
 *
 * In memory, per n8n process, forgotten on restart. An id is *in flight* from the moment a
 * delivery claims it until n8n has answered that delivery: then it is *accepted* (remembered for
 * the Redelivery Window) or *released* (n8n answered with a non-2xx, so the retry must run the
 * workflow). Copies arriving while it is in flight are told to come back later. How long n8n may
 * take to answer is bounded per delivery (`answerLimitMs`): past it, an id whose sender has gone
 * is kept as accepted (its execution most likely exists; the caller warns), and past
 * IN_FLIGHT_LIMIT_MS any claim is dropped.
 *
 * Every signed request handed to n8n (id and timestamp) is remembered, whatever the window and
 * whatever the run's outcome, until its timestamp is MAX_TOLERANCE_SECONDS old: the longest any
 * Timestamp Tolerance lets a captured copy pass verification. That expiry is on the wall clock,
 * as verification is, so a clock stepped back keeps both in step (the copy is then "too new" for
 * as long as it is remembered). Memory is bounded by time alone: only verified requests reach the
 * guard, so only Anon's own traffic fills it, and forgetting an id inside its window would run a
 * real event twice. The window is timed on a monotonic clock: a wall-clock step never stretches it.
 */
import { monotonicNow } from './clock';

/**
 * How long an id may stay in flight without n8n answering. Far beyond Anon's retries (a first
 * attempt and two more) and a long workflow run; only a request n8n never answers lasts so long.
 */
export const IN_FLIGHT_LIMIT_MS = 24 * 60 * 60_000;
/** The largest Timestamp Tolerance (options.ts): a signed request is remembered until it is this old. */
export const MAX_TOLERANCE_SECONDS = 3600;
/** How often the guards of all workflows are swept for ones with nothing left to remember. */
const SWEEP_INTERVAL_MS = 60_000;

/** How long accepted messages are remembered by id. */
export interface Bounds {
	/** The Redelivery Window: a retry with the same id within it is a duplicate (0: off). */
	windowMs: number;
}

/** Settles a claim: `acknowledged` once n8n answered its delivery with a 2xx. */
export type Settle = (acknowledged: boolean, now?: number) => void;

export type Claim =
	/** Runs; `settle` once n8n answered, `senderGone` when the sender hangs up before that. */
	| { status: 'new'; settle: Settle; senderGone: () => void }
	| { status: 'in_flight' }
	/** `presumed`: n8n never answered within the delivery's limit and its sender had gone. */
	| { status: 'accepted'; acceptedAt: Date; presumed?: boolean }
	/** A copy of a signed request already handed to n8n; `failed`: its run was not acknowledged. */
	| { status: 'replayed'; acceptedAt: Date; failed: boolean };

type Timed = { at: number };
/** `acceptedAt`: wall-clock ms, for the answer's text only. */
type Accepted = Timed & { acceptedAt: number };
/** A claim waiting for n8n's answer. */
type InFlight = Timed & { answerLimitMs: number; gone: boolean; settle: Settle };
/** A signed request handed to n8n: `at` is the wall-clock ms until which it is remembered. */
type Signed = Timed & { handedAt: number; failed: boolean };

export class RedeliveryGuard {
	// Maps iterate in insertion order and every entry is (re)inserted when its time is set, so
	// the oldest entry of each map is first: expiry is cheap. (Signed requests are inserted in
	// the order they arrive, their expiry follows their own timestamps: one that expires behind a
	// later one stays until it reaches the front, unable to pass verification meanwhile.)
	private readonly inFlight = new Map<string, InFlight>();
	private readonly accepted = new Map<string, Accepted>();
	private readonly signed = new Map<string, Signed>();
	private bounds: Bounds = { windowMs: 0 };

	/** Ids and signed requests remembered, in flight included. */
	get size(): number {
		return this.inFlight.size + this.accepted.size + this.signed.size;
	}

	/**
	 * Claims message `id`, signed at `signedAt` (unix seconds), for a new execution, unless it is
	 * in flight, was accepted within the window, or this very signed request was handed to n8n
	 * before. A new claim comes with `settle`, to be called once n8n has answered the delivery:
	 * `true` remembers the id as accepted, `false` forgets it (its signed request stays
	 * remembered). A settle from a claim that is no longer the id's current one changes nothing.
	 * `answerLimitMs`: how long n8n may take to answer before a claim whose sender has gone is
	 * taken as accepted.
	 */
	claim(id: string, signedAt: number, bounds: Bounds, now: number, answerLimitMs = IN_FLIGHT_LIMIT_MS, wallNow = Date.now()): Claim {
		this.bounds = bounds;
		this.prune(now, wallNow);
		const signature = `${signedAt}.${id}`;
		const accepted = this.accepted.get(id);
		if (accepted) return { status: 'accepted', acceptedAt: new Date(accepted.acceptedAt) };
		const pending = this.inFlight.get(id);
		if (pending) {
			if (!pending.gone || now - pending.at < pending.answerLimitMs) return { status: 'in_flight' };
			pending.settle(true, now);
			const presumed = this.accepted.get(id);
			if (presumed) return { status: 'accepted', acceptedAt: new Date(presumed.acceptedAt), presumed: true };
		}
		const replayed = this.signed.get(signature);
		if (replayed) return { status: 'replayed', acceptedAt: new Date(replayed.handedAt), failed: replayed.failed };

		const record: Signed = { at: (signedAt + MAX_TOLERANCE_SECONDS) * 1000, handedAt: wallNow, failed: false };
		renew(this.signed, signature, record);
		let kept: Accepted | undefined;
		const settle: Settle = (acknowledged, settledAt = monotonicNow()) => {
			if (this.inFlight.get(id) === claimed) this.inFlight.delete(id);
			else if (!kept) return;
			record.failed = !acknowledged;
			if (!acknowledged) {
				if (kept && this.accepted.get(id) === kept) this.accepted.delete(id);
				kept = undefined;
				return;
			}
			if (kept) return;
			kept = { at: settledAt, acceptedAt: Date.now() };
			if (this.bounds.windowMs > 0) renew(this.accepted, id, kept);
		};
		const claimed: InFlight = { at: now, answerLimitMs, gone: false, settle };
		renew(this.inFlight, id, claimed);
		return { status: 'new', settle, senderGone: () => void (claimed.gone = true) };
	}

	/** Drops what has expired; true when nothing is left. */
	prune(now: number, wallNow = Date.now()): boolean {
		expire(this.inFlight, now - IN_FLIGHT_LIMIT_MS);
		expire(this.accepted, now - this.bounds.windowMs);
		expire(this.signed, wallNow);
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
/** For tests only: how many guards are live (the sweep of idle ones is otherwise seen only as memory). */
export const guardCountForTests = (): number => guards.size;
