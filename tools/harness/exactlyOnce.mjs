// The exactly-once recipe of docs/queue-mode.md, wired to a queue topology (queueTopology.mjs):
// examples/anon-exactly-once-postgres.json with its table in a second database on the suite's
// PostgreSQL, a Postgres credential made through n8n's public API, and an alert receiver that
// counts the side effect per event id. The test is 3e in test/e2e/queueRedeliveries.suite.mjs.
import { execFile } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';

import { budgetReport, percentile } from './load.mjs';
import { nodeOutput } from './n8n.mjs';
import { eventIdOf } from './queueSuite.mjs';
import { exampleWorkflow } from './workflows.mjs';

const execFileAsync = promisify(execFile);

export const EXAMPLE_FILE = 'anon-exactly-once-postgres.json';
/** The lease the example's Claim Event query takes, as written in the file. */
export const EXAMPLE_LEASE = "interval '2 minutes'";
const PG_BIN = process.env.ANON_PG_BIN || '/usr/lib/postgresql/15/bin';
const DATABASE = 'anon_events';

/** Runs `sql` with psql as the suite's superuser `n8n` (trust over TCP); returns its unaligned output. */
export async function psql(topology, sql, { database = DATABASE } = {}) {
	const port = topology.env.DB_POSTGRESDB_PORT;
	const args = ['-h', '127.0.0.1', '-p', port, '-U', 'n8n', '-d', database, '-v', 'ON_ERROR_STOP=1', '-qAt', '-c', sql];
	try {
		const { stdout } = await execFileAsync(path.join(PG_BIN, 'psql'), args);
		return stdout.trim();
	} catch (error) {
		throw new Error(`psql ${database}: ${error.stderr || error.message}`);
	}
}

/** The CREATE TABLE statement the example's sticky note gives the user, as it stands there. */
export async function createTableFromNote() {
	const workflow = await exampleWorkflow(EXAMPLE_FILE, { credentialId: '', credentialName: '' });
	const note = workflow.nodes.find((node) => node.type === 'n8n-nodes-base.stickyNote').parameters.content;
	const sql = /```sql\n([^]*?)```/.exec(note)?.[1];
	if (!/^CREATE TABLE anon_events/.test(sql ?? '')) throw new Error(`no CREATE TABLE anon_events in the note of ${EXAMPLE_FILE}`);
	return sql;
}

/**
 * A database `anon_events` beside n8n's on the suite's PostgreSQL, with the table the example's
 * note creates, and a Postgres credential for it (public API). Returns { id, name }.
 */
export async function setUpEventsDatabase(topology) {
	await psql(topology, `CREATE DATABASE ${DATABASE}`, { database: 'n8n' });
	await psql(topology, await createTableFromNote());
	return topology.client.call('POST', '/api/v1/credentials', {
		auth: 'apiKey',
		body: {
			name: 'Postgres (anon_events)',
			type: 'postgres',
			data: {
				host: '127.0.0.1',
				port: Number(topology.env.DB_POSTGRESDB_PORT),
				database: DATABASE,
				user: 'n8n',
				password: '',
				allowUnauthorizedCerts: false,
				ssl: 'disable',
				sshTunnel: false,
			},
		},
	});
}

/**
 * The example workflow as a user imports it, wired to this instance: the Anon Trigger's
 * credential, the Postgres credential on both Postgres nodes, Send Alert's URL, and the lease
 * scaled down to `leaseSeconds` (the only change to the example's queries).
 */
export async function exactlyOnceWorkflow({ trigger, postgres, alertUrl, leaseSeconds }) {
	const workflow = await exampleWorkflow(EXAMPLE_FILE, { ...trigger, urls: { 'Send Alert': alertUrl } });
	for (const node of workflow.nodes.filter((n) => n.type === 'n8n-nodes-base.postgres')) {
		node.credentials = { postgres: { id: postgres.id, name: postgres.name } };
	}
	const claim = workflow.nodes.find((node) => node.name === 'Claim Event');
	if (!claim.parameters.query.includes(EXAMPLE_LEASE)) throw new Error(`Claim Event's query no longer takes ${EXAMPLE_LEASE}`);
	claim.parameters.query = claim.parameters.query.replace(EXAMPLE_LEASE, `interval '${leaseSeconds} seconds'`);
	return { ...workflow, name: `queue: exactly once (lease ${leaseSeconds} s)` };
}

/**
 * The endpoint Send Alert posts to, a side effect that takes time: it answers each call after
 * `answerAfterMs` and applies it then, as an API that commits at the end of the request. A call
 * whose caller is gone by then (its worker was killed) is not applied: that run died holding its
 * claim, before its side effect. Records every applied call, { eventId and executionId (the
 * body's event_id and n8n_execution_id), key (the Idempotency-Key header), at }, and counts the
 * calls `abandoned`. It does not honour the key, so a repeated side effect shows.
 * `onCall(call)` runs when a call arrives, before it is applied.
 */
export async function startAlertReceiver({ onCall, answerAfterMs = 0 } = {}) {
	const calls = [];
	const counts = { abandoned: 0 };
	const server = http.createServer((request, response) => {
		let data = '';
		let gone = false;
		response.on('close', () => (gone = !response.writableEnded));
		request.on('data', (chunk) => (data += chunk));
		request.on('end', async () => {
			let body = {};
			try {
				body = JSON.parse(data);
			} catch {
				// not JSON: counted under null
			}
			const call = { eventId: body.event_id ?? null, executionId: String(body.n8n_execution_id), key: request.headers['idempotency-key'] ?? null };
			onCall?.(call);
			await new Promise((resolve) => setTimeout(resolve, answerAfterMs));
			if (gone) return void counts.abandoned++;
			calls.push({ ...call, at: Date.now() });
			response.writeHead(200, { 'content-type': 'application/json' });
			response.end('{"ok":true}');
		});
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${server.address().port}/alert`,
		calls,
		counts,
		/** Applied calls per event id: Map<eventId, call[]>. */
		byEvent: () => calls.reduce((map, call) => map.set(call.eventId, [...(map.get(call.eventId) ?? []), call]), new Map()),
		close: () => new Promise((resolve) => server.close(resolve)),
	};
}

/** Copies of each event (same body, same event id) under distinct svix-ids: `copies` deliveries per event, adjacent. */
export function copiesOf(events, copies) {
	return events.flatMap((event) => Array.from({ length: copies }, (_, c) => ({ ...event, msgId: `${event.msgId}_c${c}` })));
}

const tally = (values) => values.reduce((counts, value) => ({ ...counts, [value]: (counts[value] ?? 0) + 1 }), {});
const seconds = (ms) => +(ms / 1000).toFixed(1);

/**
 * What a run of the recipe did, per event: the side effect's calls (the receiver's), lost (no
 * call), doubled (more than one), and of those the ones outside the recipe's one window; what
 * Claim Event answered; Anon's view (budgetReport's markedFailed, per delivery); the answers per
 * attempt; and how long after an event's first attempt its alert came.
 */
export function exactlyOnceReport({ events, outcomes, receiver, executions, leaseMs }) {
	const calls = receiver.byEvent();
	const status = new Map(executions.map((execution) => [String(execution.id), execution.status]));
	const runs = new Map();
	for (const execution of executions) {
		const id = eventIdOf(execution);
		runs.set(id, [...(runs.get(id) ?? []), { status: execution.status, startedAt: execution.startedAt }]);
	}
	const lost = events.filter((e) => !calls.has(e.eventId)).map((e) => e.eventId);
	const doubled = events.filter((e) => calls.get(e.eventId)?.length > 1).map((e) => e.eventId);
	const firstSent = new Map();
	for (const o of outcomes) firstSent.set(o.eventId, Math.min(firstSent.get(o.eventId) ?? Infinity, o.sentAt[0]));
	const latencies = events.filter((e) => calls.has(e.eventId)).map((e) => calls.get(e.eventId)[0].at - firstSent.get(e.eventId));
	return {
		callsPerEvent: tally(events.map((e) => calls.get(e.eventId)?.length ?? 0)),
		lost,
		doubled,
		// A repeat is the one window (a run killed after Send Alert, before Mark Done) only if at
		// most one of the runs that called it succeeded: the others died with the worker.
		doubledOutsideWindow: doubled.filter((id) => calls.get(id).filter((call) => status.get(call.executionId) === 'success').length > 1),
		abandonedCalls: receiver.counts.abandoned,
		callsWithoutTheEventIdAsKey: receiver.calls.filter((call) => call.key !== call.eventId).length,
		claimOutcomes: tally(executions.map((e) => nodeOutput(e, 'Claim Event')?.[0]?.outcome ?? `no data (${e.status})`)),
		executionStatuses: tally(executions.map((e) => e.status)),
		// Anon's view: deliveries (copies) with no 2xx within its budget, and events with none on any copy.
		markedFailed: {
			deliveries: budgetReport(outcomes, runs).markedFailed,
			events: events.filter((e) => outcomes.filter((o) => o.eventId === e.eventId).every((o) => !o.delivered)).length,
		},
		answersPerAttempt: [0, 1, 2].map((i) => tally(outcomes.filter((o) => o.statuses.length > i).map((o) => o.statuses[i]))),
		alertAfterFirstAttemptSeconds: { p50: seconds(percentile(latencies, 50)), max: seconds(Math.max(...latencies)) },
		alertedAfterTheLease: latencies.filter((ms) => ms >= leaseMs).length,
		// Those events (a run died holding the claim): when their alert came, and each copy's answers.
		takenOver: events
			.filter((e) => calls.has(e.eventId) && calls.get(e.eventId)[0].at - firstSent.get(e.eventId) >= leaseMs)
			.map((e) => ({
				eventId: e.eventId,
				alertAfterSeconds: seconds(calls.get(e.eventId)[0].at - firstSent.get(e.eventId)),
				answers: outcomes.filter((o) => o.eventId === e.eventId).map((o) => o.statuses.join(' → ')),
			})),
	};
}
