// The install commands the README gives users, read from the README itself, so that a suite
// runs what the README says, exactly as written (test/e2e/readmeInstall.suite.mjs), and fails when the
// README changes them in a way nobody ran.
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { PACKAGE_NAME, REPO_ROOT } from './package.mjs';

/**
 * `npm install …` / `npm i …` of this package, with whatever flags stand between: by name (from
 * a registry), or a release tarball by path (`npm install ~/n8n-nodes-anon-0.1.0.tgz`).
 */
const NPM_INSTALL = new RegExp(
	String.raw`npm (?:install|i)(?: [^\s'"\x60]+)*? (?:[^\s'"\x60]*/)?${PACKAGE_NAME}(?:@[\w.-]+|-\d+\.\d+\.\d+\.tgz)?(?![\w-])`,
	'g',
);

/** The tarball file a command installs (`n8n-nodes-anon-0.1.0.tgz`), if it installs one. */
export const tarballIn = (command) => new RegExp(String.raw`${PACKAGE_NAME}-\d+\.\d+\.\d+\.tgz`).exec(command)?.[0];

export function readReadme() {
	return readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
}

/** Every fenced shell block of a Markdown text: { section, code } (section: the nearest ## heading). */
export function shellBlocks(markdown) {
	const blocks = [];
	let section = '';
	let block = null;
	for (const line of markdown.split('\n')) {
		if (block) {
			if (/^```\s*$/.test(line)) {
				blocks.push(block);
				block = null;
			} else block.code += `${line}\n`;
			continue;
		}
		const heading = /^## (.+)$/.exec(line);
		if (heading) section = heading[1];
		if (/^```(sh|bash|shell)\s*$/.test(line)) block = { section, code: '' };
	}
	return blocks;
}

/**
 * What the README tells a user to run to install the package:
 * - `run`: the shell blocks that install it with npm on a machine (a suite runs them);
 * - `docker`: the blocks that do it in Docker (no image registry is reachable where the suites
 *   run, so the README says they are not run);
 * - `commands`: every `npm install n8n-nodes-anon` command anywhere in the README (blocks,
 *   inline code, the Docker recipe), each as written.
 */
export function userInstallCommands(markdown = readReadme()) {
	const installing = shellBlocks(markdown).filter((block) => block.code.match(NPM_INSTALL));
	return {
		run: installing.filter((block) => !/\bdocker\b/.test(block.code)),
		docker: installing.filter((block) => /\bdocker\b/.test(block.code)),
		commands: [...new Set(markdown.match(NPM_INSTALL) ?? [])],
	};
}

/**
 * The blocks that make the release tarball in a clone of the repository (`git clone …`, then
 * `npm run tarball`): the user's only way to the package while it is not on npm.
 */
export function tarballBlocks(markdown = readReadme()) {
	return shellBlocks(markdown).filter((block) => /\bnpm run tarball\b/.test(block.code));
}

/** The repository URL a block clones (`git clone <url>`), if it clones one. */
export const cloneUrlIn = (code) => /\bgit clone (\S+)/.exec(code)?.[1];

/** The npm install commands inside a block. */
export const npmInstallsIn = (code) => code.match(NPM_INSTALL) ?? [];
