// A real npm registry on 127.0.0.1 (Verdaccio), for tests that install this package the way
// users do: through n8n's own community-package installer, which runs `npm pack` and
// `npm install` against a registry. Storage lives in a temp folder, there are no uplinks
// (nothing beyond loopback), and the package gets there through `npm publish`, run as a
// release runs it: the `files` list decides what ships and the prepublishOnly guard runs.
//
// Verdaccio 6.10 needs Node >= 22, so it runs on the harness's cached Node 24, and it is
// installed into the harness cache like n8n rather than as a devDependency: its
// verdaccio-audit asks for node-fetch by the dist-tag `cjs`, which the registry here does not
// have, so it installs only with an npm `overrides` entry, and n8n's scanner rejects a
// community package whose package.json has one (@n8n/community-nodes/no-overrides-field).
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';

import { N8nClient, startN8n } from './n8n.mjs';
import { REPO_ROOT, buildAndPack } from './package.mjs';
import { childEnv, freePort, log, onInterrupt, sleep, spawnServer } from './process.mjs';

/** The author address a release copy carries: example.org is reserved for examples (RFC 2606). */
export const RELEASE_AUTHOR_EMAIL = 'maintainers@example.org';
import { CACHE_DIR, ensureN8n, ensureNode24, installOnce } from './runtime.mjs';

const execFileAsync = promisify(execFile);

const VERDACCIO_VERSION = '6.10.4';
const VERDACCIO_DIR = path.join(CACHE_DIR, `verdaccio-${VERDACCIO_VERSION}`);

const PUBLISHER = { name: 'anon-release', password: 'release-password-1' };

/** Runs npm with the given environment; resolves { stdout, stderr }, rejects with both on failure. */
async function npm(args, { cwd, env }) {
	try {
		return await execFileAsync('npm', args, { cwd, env, maxBuffer: 16 * 1024 * 1024 });
	} catch (error) {
		error.message = `npm ${args.join(' ')} failed in ${cwd} (exit ${error.code}):\n${error.stdout}\n${error.stderr}`;
		throw error;
	}
}

/** Installs Verdaccio into the cache once (about 250 packages, 20 s); returns its start script. */
export async function ensureVerdaccio() {
	await installOnce(VERDACCIO_DIR, async (dir) => {
		log(`installing verdaccio@${VERDACCIO_VERSION} into ${VERDACCIO_DIR}`);
		const manifest = {
			private: true,
			dependencies: { verdaccio: VERDACCIO_VERSION },
			overrides: { 'verdaccio-audit': { 'node-fetch': '2.7.0' } },
		};
		await fs.writeFile(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
		await npm(['install', '--ignore-scripts=true', '--no-audit', '--no-fund'], { cwd: dir, env: childEnv() });
		return { version: VERDACCIO_VERSION };
	});
	return path.join(VERDACCIO_DIR, 'node_modules', 'verdaccio', 'bin', 'verdaccio');
}

/**
 * Starts Verdaccio and creates a publishing user. Returns
 * { url, userconfig, dir, publish, publishVersion, publishTarball, pack, stop }.
 */
export async function startRegistry() {
	const node24 = await ensureNode24();
	const bin = await ensureVerdaccio();
	const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'anon-registry-'));
	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	const configFile = path.join(dir, 'config.yaml');
	// No `uplinks` and no `proxy:` on any package: a name Verdaccio does not hold is a 404,
	// never a fetch from elsewhere. Publishing needs a logged-in user (htpasswd, one user).
	await fs.writeFile(
		configFile,
		[
			`storage: ${JSON.stringify(path.join(dir, 'storage'))}`,
			'auth:',
			'  htpasswd:',
			`    file: ${JSON.stringify(path.join(dir, 'htpasswd'))}`,
			'    max_users: 1',
			'uplinks: {}',
			'packages:',
			"  '**':",
			'    access: $all',
			'    publish: $authenticated',
			'    unpublish: $authenticated',
			'web:',
			'  enable: false',
			'middlewares:',
			'  audit:',
			'    enabled: false',
			'log: { type: stdout, format: pretty, level: warn }',
			'',
		].join('\n'),
	);
	const logFile = path.join(dir, 'verdaccio.log');
	const env = childEnv();
	delete env.NODE_OPTIONS;
	const server = await spawnServer(node24, [bin, '--config', configFile, '--listen', `127.0.0.1:${port}`], {
		cwd: dir,
		env,
		logFile,
		killAfterMs: 5000,
	});
	const exited = server.hasExited;
	let stopping;
	const stop = () =>
		(stopping ??= (async () => {
			await server.stop();
			await fs.rm(dir, { recursive: true, force: true });
		})());

	const deadline = Date.now() + 30_000;
	while (true) {
		if (exited() || Date.now() > deadline) {
			const tail = await fs.readFile(logFile, 'utf8');
			await stop();
			throw new Error(`Verdaccio did not start (${JSON.stringify(exited())}); log:\n${tail}`);
		}
		try {
			if ((await fetch(`${url}/-/ping`)).ok) break;
		} catch {
			// not listening yet
		}
		await sleep(200);
	}

	try {
		// `npm adduser` does this request; its token goes into a userconfig of our own, so
		// neither the user's ~/.npmrc nor npm_config_* from the parent take part.
		const response = await fetch(`${url}/-/user/org.couchdb.user:${PUBLISHER.name}`, {
			method: 'PUT',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ name: PUBLISHER.name, password: PUBLISHER.password }),
		});
		const body = await response.json();
		if (!response.ok || !body.token) throw new Error(`adding a user: ${response.status} ${JSON.stringify(body)}`);
		const userconfig = path.join(dir, 'npmrc');
		await fs.writeFile(userconfig, `registry=${url}/\n//127.0.0.1:${port}/:_authToken=${body.token}\n`, { mode: 0o600 });
		log(`Verdaccio on ${url} (storage ${dir})`);

		const npmFlags = [`--registry=${url}/`, `--userconfig=${userconfig}`];

		/**
		 * `npm publish` in `cwd` as the release workflow runs it (RELEASE_MODE=true is what
		 * the Publish workflow sets for the prepublishOnly guard). The project's .npmrc has
		 * ignore-scripts=true, which would skip that guard: scripts are turned on explicitly.
		 * Without `cwd`, publishes a release copy of the repo (releaseCopy). Returns npm's JSON
		 * summary (id, version, files).
		 */
		const publish = async (cwd, { releaseMode = true } = {}) => {
			cwd ??= await releaseCopy();
			const env = childEnv(releaseMode ? { RELEASE_MODE: 'true' } : {});
			// --provenance=false: package.json's publishConfig asks for provenance, which only a GitHub
			// Actions publish can generate; everything else is what the release workflow runs.
			const { stdout } = await npm(['publish', '--ignore-scripts=false', '--provenance=false', '--json', ...npmFlags], { cwd, env });
			// Lifecycle scripts print to stdout before npm's JSON; npm 11 keys it by package name.
			const parsed = JSON.parse(stdout.slice(stdout.indexOf('\n{') + 1));
			const summary = parsed.id ? parsed : Object.values(parsed)[0];
			log(`published ${summary.id} to ${url} (${summary.entryCount} files)`);
			return summary;
		};

		/**
		 * The repo packed as `npm publish` would pack it, unpacked into a temp folder, with what
		 * a release adds to package.json: an author e-mail address (the guard refuses a release
		 * without one; the repo has none yet, docs/releasing.md), here example.org's, and
		 * `version` if given (the repo's package.json is never edited). From `tarball` if given (a
		 * tarball a user made, e.g. by the README's commands), else from the repo. node_modules and scripts/
		 * (not in the tarball) link to the repo's, so the prepublishOnly guard
		 * (scripts/publish-guard.mjs) runs as it does in the repo.
		 */
		const releaseCopy = async (version, { tarball } = {}) => {
			const copy = await fs.mkdtemp(path.join(dir, 'release-copy-'));
			if (!tarball) {
				const { stdout } = await npm(['pack', '--json', '--pack-destination', copy, '--ignore-scripts=true'], {
					cwd: REPO_ROOT,
					env: childEnv(),
				});
				tarball = path.join(copy, JSON.parse(stdout)[0].filename);
			}
			await execFileAsync('tar', ['-xzf', tarball, '-C', copy, '--strip-components=1']);
			if (path.dirname(tarball) === copy) await fs.rm(tarball);
			const manifestPath = path.join(copy, 'package.json');
			const manifest = JSON.parse(await fs.readFile(manifestPath, 'utf8'));
			manifest.author = { ...manifest.author, email: RELEASE_AUTHOR_EMAIL };
			if (version) manifest.version = version;
			await fs.writeFile(manifestPath, JSON.stringify(manifest, null, '\t') + '\n');
			await fs.symlink(path.join(REPO_ROOT, 'node_modules'), path.join(copy, 'node_modules'));
			await fs.symlink(path.join(REPO_ROOT, 'scripts'), path.join(copy, 'scripts'));
			return copy;
		};

		/** Publishes the package with another version (a release copy). */
		const publishVersion = async (version) => publish(await releaseCopy(version));

		/** Publishes a release copy of a tarball made elsewhere (the README's clone block). */
		const publishTarball = async (tarball) => publish(await releaseCopy(undefined, { tarball }));

		/** `npm pack name@version` from this registry into `destination`; returns the tarball path. */
		const pack = async (spec, destination) => {
			const { stdout } = await npm(['pack', spec, '--json', '--pack-destination', destination, ...npmFlags], {
				cwd: destination,
				env: childEnv(),
			});
			return path.join(destination, JSON.parse(stdout)[0].filename);
		};

		/** The registry's metadata document of a package (what `npm view` reads). */
		const metadata = async (name) => {
			const response = await fetch(`${url}/${encodeURIComponent(name)}`);
			if (!response.ok) throw new Error(`GET ${url}/${name} → ${response.status}`);
			return response.json();
		};

		return { url, userconfig, dir, logFile, publish, publishVersion, publishTarball, pack, metadata, stop };
	} catch (error) {
		await stop();
		throw error;
	}
}

/**
 * A throwaway n8n whose Community Nodes installer uses a fresh local registry: dist/ built
 * (what `npm publish` ships; publishing is the caller's step), Verdaccio started, and n8n
 * started on a fresh user folder (`anon-<name>-…`) whose nodes folder is empty, so only
 * n8n's installer puts the package there; the owner signed in with an API key. Returns
 * { registry, n8n, client, userFolder }; the caller stops the registry.
 *
 * n8n 2.41.1 only talks to a registry other than registry.npmjs.org when the licence has
 * feat:communityNodes:customRegistry (CommunityPackagesService.getNpmRegistry throws
 * FeatureNotLicensedError otherwise). n8n's own e2e mode (E2E_TESTS=true) lets a test switch
 * licence features on through PATCH /rest/e2e/feature, which is done for that one feature;
 * everything else is the installer as users run it.
 */
export async function startInstallerInstance({ name, owner }) {
	await ensureN8n();
	await buildAndPack();
	const registry = await startRegistry();
	onInterrupt(() => registry.stop());
	const userFolder = await fs.mkdtemp(path.join(os.tmpdir(), `anon-${name}-`));
	onInterrupt(() => fs.rm(userFolder, { recursive: true, force: true }));
	let n8n;
	try {
		n8n = await startN8n({
			userFolder,
			env: {
				E2E_TESTS: 'true',
				N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
				N8N_COMMUNITY_PACKAGES_REGISTRY: registry.url,
				N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
				N8N_LOG_LEVEL: 'debug',
				// n8n passes --registry to `npm pack` and `npm install`, but runs `npm outdated`
				// (the Update button's source) with npm's own configuration.
				npm_config_registry: `${registry.url}/`,
			},
		});
		const client = new N8nClient(n8n.baseUrl);
		await client.call('PATCH', '/rest/e2e/feature', {
			body: { feature: 'feat:communityNodes:customRegistry', enabled: true },
		});
		await client.setUp({ ...owner, apiKeyLabel: name });
		return { registry, n8n, client, userFolder };
	} catch (error) {
		await n8n?.stop();
		await registry.stop();
		log(`n8n user folder kept for inspection: ${userFolder}`);
		throw error;
	}
}

/**
 * The npm commands n8n's community-package installer ran, each as its argument list, read
 * from the n8n log (they are listed at N8N_LOG_LEVEL=debug).
 */
export async function npmCommands(logFile) {
	return (
		(await fs.readFile(logFile, 'utf8'))
			.split('\n')
			.map((line) => stripVTControlCharacters(line))
			.filter((line) => line.includes('Executing npm command'))
			// The console format prints ": " after every colon, inside strings too.
			.map((line) => JSON.parse(line.slice(line.indexOf('{'))).args.map((arg) => arg.replaceAll(': ', ':')))
	);
}
