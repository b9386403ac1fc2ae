// n8n queue mode ("scaling mode") on one machine: PostgreSQL + Redis (queueServices.mjs), n8n
// main, webhook processes and workers, all on 127.0.0.1 with throwaway data folders, and the
// real nginx of the proxy suite (nginx.mjs, TLS) in front of the webhook processes, routing
// every delivery by its message id: what Anon's endpoint URL points at.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { newSigningSecret } from './signedEvents.mjs';
import { N8nClient, QUIET_OFFLINE_ENV } from './n8n.mjs';
import { buildAndPack, installMinTrigger, installPackage } from './package.mjs';
import { childEnv, freePort, log, sleep, spawnServer, tail } from './process.mjs';
import { MESSAGE_ID_HASH, ensureNginx, startNginx } from './nginx.mjs';
import { checkQueuePrerequisites, startPostgres, startRedis } from './queueServices.mjs';
import { N8N_VERSION, ensureN8n, ensureNode24, n8nBin } from './runtime.mjs';
import { createAnonWorkflow } from './workflows.mjs';

// ---------------------------------------------------------------------------------------
// n8n processes
// ---------------------------------------------------------------------------------------

/**
 * The environment every queue-mode process shares: the same database, Redis, encryption key
 * and public webhook URL (the proxy). Names checked against n8n 2.41.1's
 * @n8n/config (executions.config, scaling-mode.config, endpoints.config).
 */
function sharedEnv({ pgPort, redisPort, encryptionKey, webhookUrl, options }) {
	const env = childEnv({
		EXECUTIONS_MODE: 'queue',
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: '127.0.0.1',
		DB_POSTGRESDB_PORT: String(pgPort),
		DB_POSTGRESDB_DATABASE: 'n8n',
		DB_POSTGRESDB_USER: 'n8n',
		DB_POSTGRESDB_PASSWORD: '',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(redisPort),
		N8N_ENCRYPTION_KEY: encryptionKey,
		// Every process must build the same production URL: Anon posts to the proxy.
		N8N_WEBHOOK_URL: `${webhookUrl}/`,
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_PROTOCOL: 'http',
		...QUIET_OFFLINE_ENV,
		N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
		N8N_DISABLED_MODULES: 'mcp-registry',
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		// Manual executions go to workers too (2.41.1 logs a deprecation otherwise).
		OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
		// Short shutdowns: these are throwaway processes.
		N8N_GRACEFUL_SHUTDOWN_TIMEOUT: String(options.gracefulShutdownSeconds),
		// A killed worker's job keeps its Redis lock until it expires (default 60 s), and only
		// then does Bull's stalled-job check (default every 30 s) notice it. Shorter values make
		// the worker-kill test see the outcome in seconds instead of minutes; n8n sets Bull's
		// maxStalledCount to 0, so a stalled job is failed, never re-run.
		QUEUE_WORKER_LOCK_DURATION: String(options.lockDurationMs),
		QUEUE_WORKER_LOCK_RENEW_TIME: String(Math.floor(options.lockDurationMs / 4)),
		QUEUE_WORKER_STALLED_INTERVAL: String(options.stalledIntervalMs),
	});
	// Main's check for executions left "running" with no job in the queue, which it marks
	// crashed (n8n's default: every 180 minutes). Not needed for a killed worker: the process
	// that enqueued a job marks its execution failed when Bull fails the stalled job.
	if (options.queueRecoveryMinutes) env.N8N_EXECUTIONS_QUEUE_RECOVERY_INTERVAL = String(options.queueRecoveryMinutes);
	if (options.lazyAcquire) env.N8N_EXPRESSION_ENGINE_LAZY_ACQUIRE = 'true';
	// This machine's npm/Node settings must not leak into n8n's Node 24 processes.
	delete env.NODE_OPTIONS;
	return env;
}

/**
 * Starts one n8n process of `role` ('main' | 'webhook' | 'worker') with its own user folder
 * (where the package was installed) and waits until it is ready:
 * - main and webhook: /healthz/readiness on N8N_PORT (main also a JSON /rest/settings);
 * - worker: its health server (QUEUE_HEALTH_CHECK_ACTIVE) /healthz/readiness.
 */
async function startN8nProcess({ role, name, userFolder, env, version, concurrency }) {
	const node24 = await ensureNode24();
	await ensureN8n(version);
	const bin = n8nBin(version);
	const port = await freePort();
	// Each process gets its own task-runner broker port (default 5679 would collide).
	const brokerPort = await freePort();
	const processEnv = {
		...env,
		N8N_USER_FOLDER: userFolder,
		N8N_PORT: String(port),
		N8N_EDITOR_BASE_URL: `http://127.0.0.1:${port}/`,
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
	};
	const args = [bin, role === 'main' ? 'start' : role];
	if (role === 'worker') {
		processEnv.QUEUE_HEALTH_CHECK_ACTIVE = 'true';
		processEnv.QUEUE_HEALTH_CHECK_PORT = String(port);
		processEnv.N8N_WORKER_SERVER_ADDRESS = '127.0.0.1';
		if (concurrency) args.push(`--concurrency=${concurrency}`);
	}
	if (role === 'webhook') {
		// Behind the proxy: trust its X-Forwarded-* headers (one hop), as the proxy suite does.
		processEnv.N8N_PROXY_HOPS = '1';
	}
	if (role === 'main') {
		// Main only serves the editor, REST and public API; production webhooks go to the
		// webhook processors.
		processEnv.N8N_DISABLE_PRODUCTION_MAIN_PROCESS = 'true';
	}
	const logFile = path.join(userFolder, `${name}.log`);
	const server = await spawnServer(node24, args, {
		cwd: userFolder,
		env: processEnv,
		logFile,
		// SIGTERM gives n8n its graceful-shutdown window; SIGKILL a bit after it.
		killAfterMs: (Number(env.N8N_GRACEFUL_SHUTDOWN_TIMEOUT) + 10) * 1000,
	});
	const baseUrl = `http://127.0.0.1:${port}`;
	log(`starting n8n ${role} "${name}" on ${baseUrl} (log: ${logFile})`);
	const deadline = Date.now() + 180_000;
	while (true) {
		if (server.hasExited()) {
			throw new Error(
				`n8n ${name} exited during start-up (${JSON.stringify(server.hasExited())}); log tail:\n${await tail(logFile)}`,
			);
		}
		if (Date.now() > deadline) {
			await server.stop('SIGKILL');
			throw new Error(`n8n ${name} was not ready within 180 s; see ${logFile}`);
		}
		try {
			const readiness = await fetch(`${baseUrl}/healthz/readiness`);
			if (readiness.ok) {
				if (role !== 'main') break;
				const settings = await fetch(`${baseUrl}/rest/settings`);
				if (settings.ok && settings.headers.get('content-type')?.includes('json')) break;
			}
		} catch {
			// not listening yet
		}
		await sleep(500);
	}
	log(`n8n ${role} "${name}" is up`);
	return { role, name, baseUrl, port, logFile, userFolder, pid: server.pid, stop: server.stop, exited: server.exited };
}

// ---------------------------------------------------------------------------------------
// The whole topology
// ---------------------------------------------------------------------------------------

const DEFAULT_OPTIONS = {
	webhooks: 2,
	workers: 2,
	concurrency: undefined, // n8n's default (10 jobs per worker)
	gracefulShutdownSeconds: 5,
	lockDurationMs: 10_000,
	stalledIntervalMs: 5_000,
	queueRecoveryMinutes: undefined, // n8n's default
	minTrigger: false, // also install the Min Trigger (benchmark reference) in every process
	// The README's recommended setting for volume, on every process (main, webhook processes,
	// workers each read it): the queue suites run the trigger's answers, redeliveries and
	// When the Workflow Finishes with it, so the recommendation is a configuration that is run.
	lazyAcquire: true,
};

/**
 * Starts PostgreSQL, Redis, n8n main, `webhooks` webhook processes behind nginx and
 * `workers` workers, each n8n with the package installed community-style in its own user
 * folder; then sets up the owner, an API key and an Anon webhook credential. Returns
 * { main, webhooks, workers, proxy (startNginx's), client, secret, credential, startWorker,
 * stop, dir }.
 * Call stop() in a finally: it stops everything started so far, also after a failed start.
 */
export async function startQueueTopology(overrides = {}) {
	const options = { ...DEFAULT_OPTIONS, ...overrides };
	const version = options.version ?? N8N_VERSION;
	checkQueuePrerequisites();
	ensureNginx();
	await ensureN8n(version);

	const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'anon-queue-'));
	// Readable by the postgres user (mkdtemp makes it 0700).
	await fs.chmod(dir, 0o755);
	const topology = { dir, main: null, webhooks: [], workers: [], proxy: null, options };
	const stoppers = []; // run in reverse order by stop()
	let stopped = false;
	topology.stop = async ({ keepDir = false } = {}) => {
		if (stopped) return;
		stopped = true;
		const t0 = Date.now();
		// n8n processes first (in parallel), then nginx, Redis and PostgreSQL.
		const n8nProcesses = [topology.main, ...topology.webhooks, ...topology.workers].filter(Boolean);
		await Promise.all(n8nProcesses.map((proc) => proc.stop().catch(() => {})));
		for (const stop of stoppers.reverse()) await stop().catch((error) => log(`stop: ${error.message}`));
		if (!keepDir) await fs.rm(dir, { recursive: true, force: true });
		log(`queue topology stopped (${((Date.now() - t0) / 1000).toFixed(1)} s)${keepDir ? `; kept ${dir}` : ''}`);
	};

	try {
		const t0 = Date.now();
		const packed = options.packed ?? (await buildAndPack());
		const [pgPort, redisPort] = [await freePort(), await freePort()];
		const postgres = await startPostgres({ dir: path.join(dir, 'postgres'), port: pgPort });
		stoppers.push(postgres.stop);
		const redis = await startRedis({ dir: path.join(dir, 'redis'), port: redisPort });
		stoppers.push(redis.stop);

		// The webhook processes' ports are known only once they run, but every process needs the
		// public URL at start: reserve the proxy's port now, bind it later.
		const proxyPort = await freePort();
		const webhookUrl = `https://127.0.0.1:${proxyPort}`;
		const env = sharedEnv({
			pgPort,
			redisPort,
			encryptionKey: randomBytes(24).toString('hex'),
			webhookUrl,
			options,
		});

		// One user folder per process, each with the package installed as n8n's own community
		// installer would: in queue mode, every process loads nodes from its own folder.
		const newUserFolder = async (name) => {
			const folder = path.join(dir, name);
			await fs.mkdir(folder, { recursive: true });
			await installPackage(folder, packed);
			if (options.minTrigger) await installMinTrigger(folder);
			return folder;
		};
		topology.newUserFolder = newUserFolder;
		topology.env = env;
		topology.version = version;

		// Main first: it runs the database migrations the other processes expect.
		topology.main = await startN8nProcess({
			role: 'main',
			name: 'main',
			userFolder: await newUserFolder('main'),
			env,
			version,
		});
		const folders = {};
		for (let i = 0; i < options.webhooks; i++) folders[`webhook-${i + 1}`] = await newUserFolder(`webhook-${i + 1}`);
		for (let i = 0; i < options.workers; i++) folders[`worker-${i + 1}`] = await newUserFolder(`worker-${i + 1}`);
		topology.folders = folders;
		// The others in parallel: each takes ~30 s of CPU-bound start-up.
		const [webhooks, workers] = await Promise.all([
			Promise.all(
				Array.from({ length: options.webhooks }, (_, i) =>
					startN8nProcess({ role: 'webhook', name: `webhook-${i + 1}`, userFolder: folders[`webhook-${i + 1}`], env, version }),
				),
			),
			Promise.all(
				Array.from({ length: options.workers }, (_, i) =>
					startN8nProcess({
						role: 'worker',
						name: `worker-${i + 1}`,
						userFolder: folders[`worker-${i + 1}`],
						env,
						version,
						concurrency: options.concurrency,
					}),
				),
			),
		]);
		topology.webhooks = webhooks;
		topology.workers = workers;
		// Every delivery of a message to the same webhook process: its redelivery guard is the one
		// that remembers the message id.
		const proxy = (topology.proxy = await startNginx({
			port: proxyPort,
			upstreamPorts: webhooks.map((webhook) => webhook.port),
			hash: MESSAGE_ID_HASH,
		}));
		stoppers.push(async () => {
			// Kept with the process logs (the proxy's own folder goes with it).
			await fs.copyFile(proxy.accessLog, path.join(dir, 'nginx-access.log')).catch(() => {});
			await proxy.stop();
		});

		/** (Re)starts worker `index` (0-based) in its existing user folder. */
		topology.startWorker = async (index) => {
			const name = `worker-${index + 1}`;
			const worker = await startN8nProcess({
				role: 'worker',
				name,
				userFolder: folders[name],
				env,
				version,
				concurrency: options.concurrency,
			});
			topology.workers[index] = worker;
			return worker;
		};

		// Owner, API key and the credential the Anon Trigger uses, through main.
		const client = (topology.client = new N8nClient(topology.main.baseUrl, version));
		await client.setUp({ email: 'queue@anon.local', password: 'Queue-password-1', apiKeyLabel: 'queue' });
		topology.secret = options.secret ?? newSigningSecret();
		const credential = await client.createCredential({ name: 'Anon queue', signingSecret: topology.secret });
		topology.trigger = { credentialId: credential.id, credentialName: credential.name };
		log(`queue topology ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (${dir})`);
		return topology;
	} catch (error) {
		await topology.stop({ keepDir: true });
		throw error;
	}
}

/**
 * Creates and activates a workflow through main, then waits until every webhook processor
 * serves its production URL (activation is written to the database; webhook processors look
 * the webhook up there per request, so this is near-immediate, but checked rather than
 * assumed). Returns { id, name, webhookId }.
 */
export function createActiveWorkflow(topology, definition) {
	return createAnonWorkflow(topology.client, definition, {
		baseUrls: topology.webhooks.map((webhook) => webhook.baseUrl),
		timeoutMs: 30_000,
	});
}

/** Execution ids that each worker's log reports as started ("Worker started execution N"). */
export async function executionsByWorker(topology) {
	const result = {};
	for (const [name, folder] of Object.entries(topology.folders).filter(([name]) => name.startsWith('worker-'))) {
		const text = await fs.readFile(path.join(folder, `${name}.log`), 'utf8').catch(() => '');
		result[name] = new Set([...text.matchAll(/Worker started execution (\d+)/g)].map((match) => match[1]));
	}
	return result;
}

/**
 * The requests nginx passed on so far, oldest first (startNginx's requests()), each with
 * `webhook`: the name of the webhook process that answered it (null: nginx answered itself).
 */
export async function proxiedRequests(topology) {
	const names = new Map(topology.webhooks.map((webhook) => [`127.0.0.1:${webhook.port}`, webhook.name]));
	return (await topology.proxy.requests()).map((entry) => ({ ...entry, webhook: names.get(entry.upstream) ?? null }));
}
