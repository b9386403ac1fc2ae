/**
 * Remembers which Svix message ids a trigger node has already handed to n8n, so a retry (same
 * `svix-id`) is acknowledged without running the workflow twice.
 *
 * In memory, per n8n process: bounded by a time window and by MAX_REMEMBERED ids per node,
 * forgotten on restart. An id is *in flight* from the moment a delivery claims it until n8n has
 * answered that delivery: then it is *accepted* (remembered) or *released* (n8n answered with a
 * non-2xx, so the retry must run the workflow). Copies arriving while it is in flight are told
 * to come back later. Times come from a monotonic clock: a wall-clock step never stretches the
 * window.
 */
import { monotonicNow } from './clock';

export const MAX_REMEMBERED = 50_000;
/** How often the guards of all workflows are swept for ones with nothing left to remember. */
const SWEEP_INTERVAL_MS = 60_000;

type Entry = { state: 'in_flight'; at: number } | { state: 'accepted'; at: number; acceptedAt: Date };

/** Settles a claim: `acknowledged` once n8n answered its delivery with a 2xx. */
export type Settle = (acknowledged: boolean, now?: number) => void;

export type Claim =
	| { status: 'new'; settle: Settle }
	| { status: 'in_flight' }
	| { status: 'accepted'; acceptedAt: Date };

export class RedeliveryGuard {
	// A Map iterates in insertion order and every entry is (re)inserted when its time is set,
	// so the oldest entry is always first: expiry and eviction are cheap.
	private readonly entries = new Map<string, Entry>();
	private windowMs = 0;

	constructor(private readonly maxEntries = MAX_REMEMBERED) {}

	get size(): number {
		return this.entries.size;
	}

	/**
	 * Claims `id` for a new execution, unless it was accepted within `windowMs` or is in flight.
	 * A new claim comes with `settle`, to be called once n8n has answered the delivery: `true`
	 * remembers the id as accepted, `false` forgets it. A settle that arrives after the id was
	 * claimed again (its entry expired or was evicted) changes nothing.
	 */
	claim(id: string, windowMs: number, now: number): Claim {
		this.windowMs = windowMs;
		this.prune(now);
		const entry = this.entries.get(id);
		if (entry?.state === 'accepted') return { status: 'accepted', acceptedAt: entry.acceptedAt };
		if (entry?.state === 'in_flight') return { status: 'in_flight' };
		let claimed: Entry = { state: 'in_flight', at: now };
		this.set(id, claimed);
		const settle: Settle = (acknowledged, settledAt = monotonicNow()) => {
			if (this.entries.get(id) !== claimed) return;
			if (!acknowledged) {
				this.entries.delete(id);
				return;
			}
			claimed = { state: 'accepted', at: settledAt, acceptedAt: new Date() };
			this.set(id, claimed);
		};
		return { status: 'new', settle };
	}

	/** Drops the ids whose window has passed; true when nothing is left. */
	prune(now: number): boolean {
		for (const [id, entry] of this.entries) {
			if (now - entry.at < this.windowMs) break;
			this.entries.delete(id);
		}
		return this.entries.size === 0;
	}

	private set(id: string, entry: Entry): void {
		this.entries.delete(id);
		this.entries.set(id, entry);
		while (this.entries.size > this.maxEntries) this.deleteOldest();
	}

	private deleteOldest(): void {
		const oldest = this.entries.keys().next();
		if (!oldest.done) this.entries.delete(oldest.value);
	}
}

const guards = new Map<string, RedeliveryGuard>();
let lastSweep = monotonicNow();

/** The guard key of one trigger node of a workflow. */
export const guardKey = (workflowId: string | undefined, nodeId: string): string => `${workflowId ?? ''}/${nodeId}`;

/**
 * One guard per trigger node of a workflow (see guardKey), shared by its requests. Guards with
 * nothing left to remember are dropped, at most once a minute, so idle workflows hold no memory.
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

/** Forgets a node's guard: its workflow was deactivated (n8n calls the webhook's delete hook). */
export function dropRedeliveryGuard(key: string): void {
	guards.delete(key);
}

/** How many guards this process holds (for tests). */
export const redeliveryGuardCount = (): number => guards.size;
