// A real reverse proxy in front of n8n: Debian's nginx as an unprivileged foreground process,
// everything it writes (pid, logs, temp files) in its own temp folder, TLS with a throwaway
// self-signed certificate made at start. In front of one n8n (test/e2e/reverseProxy.suite.mjs) or of the
// webhook processes of queue mode, routed by message id (queueTopology.mjs).
//
// The nginx configuration below is the one the README and docs/queue-mode.md recommend; the
// suites prove it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { log, sleep, spawnServer } from './process.mjs';

const NGINX = '/usr/sbin/nginx';

/** The nginx binary, or an error saying how to install it (Debian package `nginx`). */
export function ensureNginx() {
	if (!existsSync(NGINX)) {
		throw new Error(`${NGINX} not found: install Debian's nginx (sudo apt-get install -y --no-install-recommends nginx)`);
	}
	return NGINX;
}

/** A key and a self-signed certificate for 127.0.0.1, valid for one day, in `dir`. */
export function selfSignedCertificate(dir) {
	const cert = path.join(dir, 'cert.pem');
	const key = path.join(dir, 'key.pem');
	execFileSync(
		'openssl',
		['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
			'-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
		{ stdio: 'ignore' },
	);
	return { cert, key };
}

/**
 * What nginx hashes to send every delivery of a message to the same n8n webhook process: the
 * message id, in Svix's header (svix-id) or the Standard Webhooks one (webhook-id); a sender
 * uses one of the two. nginx falls back to round robin for a request that has neither.
 */
export const MESSAGE_ID_HASH = '$http_svix_id$http_webhook_id';

/** The `upstream` block of several n8n processes, routed by `hash` (consistent) when given. */
function upstreamBlock(name, servers, hash) {
	const lines = servers.map((server) => `\tserver ${server};`);
	if (hash) {
		lines.unshift(
			'\t# A redelivery must reach the process whose redelivery guard remembers its message id:',
			'\t# route by that id (the same on every retry and replay), consistently, so that adding or',
			'\t# removing a process moves only its share of the ids.',
			`\thash ${hash} consistent;`,
		);
	}
	return `upstream ${name} {\n${lines.join('\n')}\n}\n`;
}

/**
 * The proxy's server block: TLS, the headers n8n needs behind a proxy, and limits that fit
 * webhooks. Paths (certificate, key) are absolute; `upstreams` are n8n's host:port: one n8n
 * is proxied to directly; several (queue mode's webhook processes) become an `upstream`
 * block, routed by `hash` (MESSAGE_ID_HASH) when given.
 */
export function nginxServerBlock({ listen, upstreams, hash, cert, key, bodyTimeout = '10s', webhookMaxBody = '1m' }) {
	const pooled = upstreams.length > 1 || Boolean(hash);
	const upstream = pooled ? 'n8n_webhooks' : upstreams[0];
	return `${pooled ? `\n${upstreamBlock(upstream, upstreams, hash)}` : ''}
# WebSocket upgrades for the editor's push connection (/rest/push); plain requests close.
map $http_upgrade $connection_upgrade {
	default upgrade;
	''      close;
}
${ANON_RATE_ZONE}

server {
	listen ${listen} ssl;
	ssl_certificate     ${cert};
	ssl_certificate_key ${key};

	# A body must keep arriving: a pause longer than this between two reads gets 408 and
	# the connection closed. (nginx times the gap between reads, not the whole body.)
	client_body_timeout ${bodyTimeout};
	# n8n's own limit (N8N_PAYLOAD_SIZE_MAX, 16 MiB): anything larger is refused here.
	client_max_body_size 16m;

	# Host with its port (n8n checks the editor's WebSocket Origin against it), the client's
	# address and scheme (N8N_PROXY_HOPS=1 makes n8n trust them).
	proxy_set_header Host $http_host;
	proxy_set_header X-Real-IP $remote_addr;
	proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
	proxy_set_header X-Forwarded-Proto $scheme;
	proxy_set_header Upgrade $http_upgrade;
	proxy_set_header Connection $connection_upgrade;
	proxy_http_version 1.1;
	# Responses stream through (the editor's push connection, long-running webhook answers).
	proxy_buffering off;
	# Requests do NOT: nginx reads the whole body before n8n sees the request (its default,
	# proxy_request_buffering on), so a slow sender holds an nginx connection, not n8n.
	proxy_request_buffering on;
	proxy_read_timeout 300s;

	location / {
		proxy_pass http://${upstream};
	}

	# Production, test and waiting webhooks: Anon's events are a few KiB.
	location /webhook {
		client_max_body_size ${webhookMaxBody};
		proxy_pass http://${upstream};
	}
${anonTriggerLocation(upstream)}}
`;
}

/**
 * The rate zone of the Anon Trigger's paths (http level): per sender address, 100 a second
 * after a burst of 1,000, above what one n8n runs (BENCHMARKS.md: at most about 50 events/s), so
 * Anon's bursts pass (a 429 would spend one of its two retries) and a flood is cut. Tighten it to
 * your own traffic.
 */
export const ANON_RATE_ZONE = 'limit_req_zone $binary_remote_addr zone=anon_trigger:1m rate=100r/s;';

/**
 * The Anon Trigger's own paths (`/webhook/<id>/anon` and `/webhook-test/<id>/anon`): Anon sends
 * uncompressed events of a few KiB. n8n (2.41.1, middlewares/body-parser.js) inflates a gzip or
 * deflate body itself before any node runs, and applies its 16 MiB limit after inflating, while
 * nginx counts compressed bytes: a 16 KiB forged request can make n8n inflate 16 MiB. So these
 * paths refuse any Content-Encoding, take bodies up to 256 KiB, and a bounded rate; the other
 * webhooks of the instance (\`location /webhook\`) are left as they are.
 */
export function anonTriggerLocation(upstream) {
	return `
	# The Anon Trigger's paths: Anon sends uncompressed events of a few KiB.
	location ~ ^/webhook(-test)?/[^/]+/anon$ {
		if ($http_content_encoding) {
			return 415;
		}
		client_max_body_size 256k;
		limit_req zone=anon_trigger burst=1000 nodelay;
		limit_req_status 429;
		proxy_pass http://${upstream};
	}
`;
}

/** A whole nginx.conf around nginxServerBlock(), with every path inside `dir`. */
function nginxConfig(dir, server) {
	return `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
	# nginx's own format plus which n8n served the request and the message ids it is routed by.
	log_format upstreams '$remote_addr [$time_local] "$request" $status $body_bytes_sent '
		'upstream=$upstream_addr svix-id=$http_svix_id webhook-id=$http_webhook_id';
	access_log ${dir}/access.log upstreams;
	client_body_temp_path ${dir}/client_body;
	proxy_temp_path ${dir}/proxy;
	fastcgi_temp_path ${dir}/fastcgi;
	uwsgi_temp_path ${dir}/uwsgi;
	scgi_temp_path ${dir}/scgi;
${server}
}
`;
}

/**
 * Starts nginx on 127.0.0.1:`port` proxying to 127.0.0.1:`upstreamPorts` (one n8n, or several
 * processes routed by `hash`). Run as root, it runs as `nobody` (the folder is handed over to
 * it), never as root. Resolves to { url, port, dir, pid, config, errorLog, accessLog,
 * requests(), rssMiB(), upstreamConnections(), stop() } once it listens.
 */
export async function startNginx({ port, upstreamPorts, hash, ...limits }) {
	const nginx = ensureNginx();
	const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'anon-nginx-'));
	const { cert, key } = selfSignedCertificate(dir);
	const upstreams = upstreamPorts.map((upstreamPort) => `127.0.0.1:${upstreamPort}`);
	const server = nginxServerBlock({ listen: `127.0.0.1:${port}`, upstreams, hash, cert, key, ...limits });
	const configFile = path.join(dir, 'nginx.conf');
	await fs.writeFile(configFile, nginxConfig(dir, server));
	const ids = {};
	if (process.getuid?.() === 0) {
		ids.uid = Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }));
		ids.gid = Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' }));
		execFileSync('chown', ['-R', `${ids.uid}:${ids.gid}`, dir]);
	}
	const args = ['-p', `${dir}/`, '-c', configFile, '-e', path.join(dir, 'error.log')];
	execFileSync(nginx, [...args, '-t', '-q'], { ...ids, stdio: 'inherit' });
	const nginxProcess = await spawnServer(nginx, args, { ...ids, cwd: dir, logFile: path.join(dir, 'nginx.out'), killAfterMs: 5000 });
	const child = nginxProcess.child;
	const deadline = Date.now() + 10_000;
	while (!(await listening(port))) {
		if (nginxProcess.hasExited()) throw new Error(`nginx exited at start (${JSON.stringify(nginxProcess.hasExited())}); see ${dir}/error.log`);
		if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port} within 10 s`);
		await sleep(100);
	}
	log(`nginx proxy on https://127.0.0.1:${port} → ${upstreams.join(', ')}${hash ? ` by ${hash}` : ''} (folder ${dir})`);
	let stopping;
	return {
		url: `https://127.0.0.1:${port}`,
		port,
		dir,
		pid: child.pid,
		config: server.trim(),
		errorLog: path.join(dir, 'error.log'),
		accessLog: path.join(dir, 'access.log'),
		/**
		 * The requests logged so far, oldest first: { status, upstream (the host:port that
		 * answered, '-' when nginx answered itself), svixId, webhookId ('' when absent) }.
		 */
		requests: () => loggedRequests(path.join(dir, 'access.log')),
		/** Resident memory of the master and its workers together, in MiB. */
		rssMiB: () => processTreeRss(child.pid),
		/** Connections nginx holds open to n8n: the requests it has passed on and not finished. */
		upstreamConnections: async () => {
			const pids = await processTree(child.pid);
			let total = 0;
			for (const upstreamPort of upstreamPorts) total += await connectionsTo(pids, upstreamPort);
			return total;
		},
		stop: () =>
			(stopping ??= (async () => {
				await nginxProcess.stop();
				await fs.rm(dir, { recursive: true, force: true });
			})()),
	};
}

/** The access log (format `upstreams`) parsed: [{ status, upstream, svixId, webhookId }]. */
async function loggedRequests(file) {
	const text = await fs.readFile(file, 'utf8').catch(() => '');
	const logged = (value) => (value === '-' ? '' : value);
	return [...text.matchAll(/" (\d{3}) \d+ upstream=(\S+) svix-id=(\S+) webhook-id=(\S+)$/gm)].map(
		([, status, upstream, svixId, webhookId]) => ({ status: Number(status), upstream, svixId: logged(svixId), webhookId: logged(webhookId) }),
	);
}

function listening(port) {
	return new Promise((resolve) => {
		const socket = net.connect({ host: '127.0.0.1', port }, () => {
			socket.destroy();
			resolve(true);
		});
		socket.on('error', () => resolve(false));
	});
}

async function processTreeRss(pid) {
	let total = 0;
	for (const current of await processTree(pid)) {
		const status = await fs.readFile(`/proc/${current}/status`, 'utf8').catch(() => '');
		total += Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) / 1024;
	}
	return total;
}

/** Pids of a process and all its descendants. */
async function processTree(pid) {
	const all = [];
	const pending = [pid];
	while (pending.length) {
		const current = pending.pop();
		all.push(current);
		try {
			const children = await fs.readFile(`/proc/${current}/task/${current}/children`, 'utf8');
			pending.push(...children.split(' ').filter(Boolean).map(Number));
		} catch {
			// gone
		}
	}
	return all;
}

/**
 * Established TCP connections from the processes `pids` to 127.0.0.1:`port`: /proc/net/tcp
 * lines with that remote end whose socket inode one of the processes holds open.
 */
async function connectionsTo(pids, port) {
	const inodes = new Set();
	for (const pid of pids) {
		let fds = [];
		try {
			fds = await fs.readdir(`/proc/${pid}/fd`);
		} catch {
			continue;
		}
		for (const fd of fds) {
			const target = await fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
			const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
			if (inode) inodes.add(inode);
		}
	}
	const remote = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
	const table = await fs.readFile('/proc/net/tcp', 'utf8');
	return table
		.split('\n')
		.slice(1)
		.map((line) => line.trim().split(/\s+/))
		.filter((fields) => fields[2] === remote && fields[3] === '01' && inodes.has(fields[9])).length;
}
