// deliverLikeSvix and budgetReport (load.mjs), the suites' stand-in for Anon's sender, against a
// node:http server that fails a message's first attempts: Anon's budget is the first delivery
// and two retries, each attempt re-signed, the schedule Svix's scaled like the timeout, and the
// report counts lost, doubled and marked-failed per budget.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

import { ANON_RETRIES, budgetReport, deliverLikeSvix } from '../../tools/harness/load.mjs';
import { distinctEvents, newSigningSecret } from '../../tools/harness/signedEvents.mjs';

describe('deliverLikeSvix at Anon\'s budget', () => {
	const server = { failFirst: new Map(), seen: [] };

	before(async () => {
		server.http = http.createServer((request, response) => {
			request.resume();
			request.on('end', () => {
				const id = request.headers['svix-id'];
				server.seen.push({ id, timestamp: request.headers['svix-timestamp'], signature: request.headers['svix-signature'], at: Date.now() });
				const left = server.failFirst.get(id) ?? 0;
				server.failFirst.set(id, left - 1);
				response.writeHead(left > 0 ? 500 : 200).end();
			});
		});
		await new Promise((resolve) => server.http.listen(0, '127.0.0.1', resolve));
		server.url = `http://127.0.0.1:${server.http.address().port}/webhook/x/anon`;
	});
	after(() => server.http.close());

	test('gives a message the first attempt and two retries, at Svix\'s delays scaled like the timeout', async () => {
		const events = await distinctEvents(3, { prefix: 'evt_budget' });
		// Fails 1, 2 and 5 attempts: delivered on the 2nd and 3rd attempt, and never.
		events.forEach((event, i) => server.failFirst.set(event.msgId, [1, 2, 5][i]));
		// A 150 ms timeout scales Svix's 5 s and 5 min to 50 ms and 3 s.
		const outcomes = await deliverLikeSvix(server.url, events, { secret: newSigningSecret(), concurrency: 2, timeoutMs: 150 });
		assert.equal(ANON_RETRIES, 2);
		assert.deepEqual(outcomes.map((o) => o.statuses), [[500, 200], [500, 500, 200], [500, 500, 500]]);
		assert.deepEqual(outcomes.map((o) => o.delivered), [true, true, false]);
		const third = outcomes[2];
		const gaps = [third.sentAt[1] - third.sentAt[0], third.sentAt[2] - third.sentAt[1]];
		assert.ok(gaps[0] >= 45 && gaps[0] < 1_000, `first retry after ${gaps[0]} ms`);
		assert.ok(gaps[1] >= 2_900, `second retry after ${gaps[1]} ms`);
		// Each attempt is signed when it is sent (same id, the timestamp of the attempt).
		const attemptsOfThird = server.seen.filter((s) => s.id === events[2].msgId);
		assert.equal(attemptsOfThird.length, 3);
		assert.notEqual(attemptsOfThird[2].timestamp, attemptsOfThird[0].timestamp);
	});

	test('budgetReport: lost, doubled and marked failed, at Anon\'s budget and at two attempts in all', () => {
		const outcomes = [
			{ eventId: 'a', statuses: [200], sentAt: [0] },
			{ eventId: 'b', statuses: [0, 0, 200], sentAt: [0, 10, 100] },
			{ eventId: 'c', statuses: [0, 500, 500], sentAt: [0, 10, 100] },
			{ eventId: 'd', statuses: [0, 200], sentAt: [0, 10] },
		];
		const at = (ms) => new Date(ms).toISOString();
		const runs = new Map([
			['a', [{ status: 'success', startedAt: at(1) }]],
			// Ran only on the third attempt: lost at two attempts in all.
			['b', [{ status: 'crashed', startedAt: at(1) }, { status: 'success', startedAt: at(101) }]],
			// Never ran.
			['c', [{ status: 'crashed', startedAt: at(1) }]],
			// Finished just before a crash, its answer lost; ran again on the retry.
			['d', [{ status: 'success', startedAt: at(1) }, { status: 'success', startedAt: at(11) }]],
		]);
		assert.deepEqual(budgetReport(outcomes, runs), { attempts: 3, lost: 1, doubled: 1, markedFailed: 1 });
		assert.deepEqual(budgetReport(outcomes, runs, 2), { attempts: 2, lost: 2, doubled: 1, markedFailed: 2 });
	});
});
