// The services n8n's queue mode needs, on one machine: PostgreSQL 15 and Redis 7 from Debian
// (`apt-get install -y postgresql redis-server`), started here as our own throwaway processes,
// never as system services, so nothing outlives the run and nothing touches the machine's own
// databases. The n8n processes on top of them are queueTopology.mjs.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { log, onExit, spawnServer, tail, waitFor } from './process.mjs';

const execFileAsync = promisify(execFile);

const PG_BIN = process.env.ANON_PG_BIN || '/usr/lib/postgresql/15/bin';
const REDIS_SERVER = process.env.ANON_REDIS_SERVER || '/usr/bin/redis-server';
const IS_ROOT = process.getuid?.() === 0;

/** Throws with the install hint if PostgreSQL 15 or Redis is missing. */
export function checkQueuePrerequisites() {
	const missing = [path.join(PG_BIN, 'initdb'), path.join(PG_BIN, 'pg_ctl'), REDIS_SERVER].filter(
		(file) => !existsSync(file),
	);
	if (missing.length) {
		throw new Error(
			`missing ${missing.join(', ')}: queue mode needs PostgreSQL 15 and Redis 7 ` +
				'(Debian: apt-get install -y postgresql redis-server; they are started here as ' +
				'throwaway processes, not as services)',
		);
	}
}

/** The versions of PostgreSQL and Redis that queue mode runs on here, as they report them. */
export function queueServiceVersions() {
	const postgres = execFileSync(path.join(PG_BIN, 'pg_ctl'), ['--version'], { encoding: 'utf8' });
	const redis = execFileSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' });
	return { postgres: /\(PostgreSQL\) ([\d.]+)/.exec(postgres)?.[1] ?? postgres.trim(), redis: /v=([\d.]+)/.exec(redis)?.[1] ?? redis.trim() };
}

/** PostgreSQL refuses to run as root: run its tools as the `postgres` user then. */
function pgCommand(tool, args) {
	const binary = path.join(PG_BIN, tool);
	return IS_ROOT ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
}

async function pg(tool, args) {
	const [command, fullArgs] = pgCommand(tool, args);
	try {
		return await execFileAsync(command, fullArgs, { cwd: os.tmpdir() });
	} catch (error) {
		throw new Error(`${tool} ${args.join(' ')} failed: ${error.stderr || error.message}`);
	}
}

/**
 * A throwaway PostgreSQL cluster in `dir` on 127.0.0.1:`port`, trust authentication for the
 * local superuser `n8n`, with a database `n8n`. Started with pg_ctl (which daemonises), so
 * it is stopped with pg_ctl too, including from the exit hook.
 */
export async function startPostgres({ dir, port }) {
	const dataDir = path.join(dir, 'data');
	await fs.mkdir(dir, { recursive: true });
	// The postgres user must own the folder (data, Unix socket and log all live in it).
	if (IS_ROOT) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
	log(`PostgreSQL: initdb in ${dataDir}`);
	await pg('initdb', ['-D', dataDir, '-U', 'n8n', '--auth=trust', '-E', 'UTF8', '--no-locale']);
	const options = [
		`-p ${port}`,
		`-k ${dir}`, // Unix socket in the throwaway folder, not /var/run/postgresql
		'-c listen_addresses=127.0.0.1',
		'-c max_connections=200',
	].join(' ');
	const logFile = path.join(dir, 'postgres.log');
	await pg('pg_ctl', ['-D', dataDir, '-l', logFile, '-o', options, '-w', '-t', '60', 'start']);
	const stopSync = () => {
		const [command, args] = pgCommand('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
		execFileSync(command, args, { stdio: 'ignore', cwd: os.tmpdir() });
	};
	const removeExitHook = onExit(stopSync);
	await pg('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'n8n', 'n8n']);
	log(`PostgreSQL up on 127.0.0.1:${port}`);
	return {
		port,
		logFile,
		stop: async () => {
			removeExitHook();
			await pg('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']).catch((error) => log(String(error.message)));
		},
	};
}

/** Resolves when Redis on `port` answers PING. */
async function redisPing(port) {
	return new Promise((resolve) => {
		const socket = net.connect(port, '127.0.0.1');
		let data = '';
		socket.setTimeout(1000, () => socket.destroy());
		socket.on('connect', () => socket.write('PING\r\n'));
		socket.on('data', (chunk) => {
			data += chunk;
			if (data.includes('\r\n')) {
				socket.end();
				resolve(data.startsWith('+PONG'));
			}
		});
		socket.on('error', () => resolve(false));
		socket.on('close', () => resolve(data.startsWith('+PONG')));
	});
}

/** A throwaway Redis without persistence (nothing written to disk). */
export async function startRedis({ dir, port }) {
	await fs.mkdir(dir, { recursive: true });
	const server = await spawnServer(
		REDIS_SERVER,
		['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
		{ cwd: dir, env: process.env, logFile: path.join(dir, 'redis.log'), killAfterMs: 5_000 },
	);
	await waitFor(
		async () => {
			if (server.hasExited()) throw new Error(`redis-server exited:\n${await tail(server.logFile)}`);
			return redisPing(port);
		},
		{ timeoutMs: 15_000, what: 'Redis PING' },
	);
	log(`Redis up on 127.0.0.1:${port}`);
	return { port, logFile: server.logFile, stop: () => server.stop() };
}
