/**
 * At most one log line per key per interval, so that requests to a misconfigured endpoint
 * (a flood of forged ones included) do not flood n8n's log.
 *
 * LogLimiter is pure: the caller passes the time, from a monotonic clock (`performance.now()`), so setting
 * the wall clock back or forward neither silences the log for longer nor lets a burst through.
 */
import type { IWebhookFunctions } from 'n8n-workflow';

import { monotonicNow } from './clock';

export const LOG_INTERVAL_MS = 60_000;
/** Keys are workflow/credential pairs: far fewer in practice; the bound only caps memory. */
const MAX_KEYS = 10_000;

export class LogLimiter {
	// Insertion order is time order (a key is re-inserted when it logs), so the oldest is first.
	private readonly lastLogged = new Map<string, number>();

	constructor(
		private readonly intervalMs = LOG_INTERVAL_MS,
		private readonly maxKeys = MAX_KEYS,
	) {}

	get size(): number {
		return this.lastLogged.size;
	}

	/** Whether a line for `key` may be written at `now` (ms, monotonic); if so, counts it. */
	allow(key: string, now: number): boolean {
		const last = this.lastLogged.get(key);
		if (last !== undefined && now - last < this.intervalMs) return false;
		this.lastLogged.delete(key);
		this.lastLogged.set(key, now);
		for (const [oldest, at] of this.lastLogged) {
			if (this.lastLogged.size <= this.maxKeys && now - at < this.intervalMs) break;
			this.lastLogged.delete(oldest);
		}
		return true;
	}
}

const configurationLog = new LogLimiter();

/** A warning about a workflow's configuration, at most once a minute per workflow and `topic`. */
export function warnAtMostOnceAMinute(context: IWebhookFunctions, topic: string, line: string): void {
	const workflowId = context.getWorkflow().id ?? '';
	if (!configurationLog.allow(`${workflowId}/${topic}`, monotonicNow())) return;
	context.logger.warn(`Anon Trigger "${context.getNode().name}" in workflow ${workflowId} ${line} (logged at most once a minute)`);
}
