/**
 * Remembers which Svix message ids a trigger node has already turned into an execution, so a
 * retry (same `svix-id`) is acknowledged without running the workflow twice.
 *
 * In memory, per n8n process: bounded by a time window and by MAX_REMEMBERED ids per node,
 * forgotten on restart. A message is remembered only once n8n has answered it with a 2xx;
 * while the first delivery is still being answered, a copy is told to come back later
 * (so a delivery that fails never makes its retry look like a duplicate).
 */

export const MAX_REMEMBERED = 50_000;

type Entry = { state: 'in_flight' | 'accepted'; at: number };

export type Claim = { status: 'new' } | { status: 'in_flight' } | { status: 'accepted'; acceptedAt: number };

export class RedeliveryGuard {
	// A Map iterates in insertion order and every entry is (re)inserted when its time is set,
	// so the oldest entry is always first: expiry and eviction are cheap.
	private readonly entries = new Map<string, Entry>();

	constructor(private readonly maxEntries = MAX_REMEMBERED) {}

	get size(): number {
		return this.entries.size;
	}

	/** Claims `id` for a new execution, unless it was accepted within `windowMs` or is in flight. */
	claim(id: string, windowMs: number, now: number): Claim {
		this.prune(windowMs, now);
		const entry = this.entries.get(id);
		if (entry?.state === 'accepted') return { status: 'accepted', acceptedAt: entry.at };
		if (entry?.state === 'in_flight') return { status: 'in_flight' };
		this.set(id, { state: 'in_flight', at: now });
		return { status: 'new' };
	}

	/** The delivery was answered 2xx: later copies within the window are duplicates. */
	accept(id: string, now: number): void {
		this.set(id, { state: 'accepted', at: now });
	}

	/** The delivery was not acknowledged: its retry must run the workflow. */
	release(id: string): void {
		this.entries.delete(id);
	}

	private set(id: string, entry: Entry): void {
		this.entries.delete(id);
		this.entries.set(id, entry);
		while (this.entries.size > this.maxEntries) this.deleteOldest();
	}

	private prune(windowMs: number, now: number): void {
		for (const [id, entry] of this.entries) {
			if (now - entry.at < windowMs) break;
			this.entries.delete(id);
		}
	}

	private deleteOldest(): void {
		const oldest = this.entries.keys().next();
		if (!oldest.done) this.entries.delete(oldest.value);
	}
}

const guards = new Map<string, RedeliveryGuard>();

/** One guard per trigger node of a workflow (`<workflowId>/<nodeId>`), shared by its requests. */
export function redeliveryGuardFor(key: string): RedeliveryGuard {
	let guard = guards.get(key);
	if (!guard) {
		guard = new RedeliveryGuard();
		guards.set(key, guard);
	}
	return guard;
}
