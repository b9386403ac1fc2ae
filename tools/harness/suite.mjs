// What every suite against a real n8n shares on node:test: one set-up before its tests (with
// a limit long enough for a first install of n8n), one tear-down after them that knows
// whether the run was green (to remove or keep what it leaves for inspection), and a
// per-test hook for failures.
import { after, afterEach, before } from 'node:test';

import { log } from './process.mjs';

/** Set-up may first install Node 24 and n8n (minutes) before starting anything. */
export const SETUP_TIMEOUT_MS = 30 * 60_000;

/**
 * Registers the hooks of the enclosing describe(): `setUp()` before the tests, `tearDown({ ok })`
 * after them (`ok` is false when set-up or any test failed), `onFailure(name)` after each
 * failed test and a failed set-up.
 */
export function suiteHooks({ setUp, tearDown, onFailure }) {
	let ok = false;
	before(
		async () => {
			const t0 = Date.now();
			try {
				await setUp();
			} catch (error) {
				await onFailure?.('set-up');
				throw error;
			}
			ok = true;
			log(`set-up done (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
		},
		{ timeout: SETUP_TIMEOUT_MS },
	);
	afterEach(async (t) => {
		if (t.passed) return;
		ok = false;
		await onFailure?.(t.name);
	});
	after(() => tearDown({ ok }));
}
