#!/usr/bin/env node
// npm's prepublishOnly hook (package.json). n8n-nodes-anon is published only by the Publish
// workflow (.github/workflows/publish.yml), which a pushed version tag starts and whose publish
// step sets RELEASE_MODE=true; anywhere else `npm publish` stops here and says how a release is
// made (docs/releasing.md). It replaces `n8n-node prerelease`, whose message points at
// `npm run release` (n8n's release-it flow, which this project does not use: it would rewrite
// the hand-written CHANGELOG.md).
//
// The project's .npmrc sets ignore-scripts=true, which makes npm skip this hook unless it runs
// with --ignore-scripts=false, as the workflow does; publishConfig.provenance makes a publish
// from outside GitHub Actions fail anyway.
//
// Even then it refuses a package.json whose author e-mail is not an address: n8n's lint requires
// a non-empty one, and none is set until a maintainer puts theirs (docs/releasing.md, "Before the
// first release, once").
import { readFileSync } from 'node:fs';

if (process.env.RELEASE_MODE !== 'true') {
	console.error(
		[
			'npm publish refused: n8n-nodes-anon is published by the Publish workflow',
			'(.github/workflows/publish.yml) with npm provenance, when a version tag is pushed.',
			'To release, e.g. 0.2.0 (docs/releasing.md):',
			'  1. CHANGELOG.md: the version, its date and its changes; npm version 0.2.0 --no-git-tag-version',
			'  2. git commit -am "Release 0.2.0" && git tag 0.2.0',
			'  3. git push origin main 0.2.0',
		].join('\n'),
	);
	process.exit(1);
}

const { author } = JSON.parse(readFileSync('package.json', 'utf8'));
if (!/^[^\s@<>()]+@[^\s@<>()]+\.[a-z]{2,}$/i.test(author?.email ?? '')) {
	console.error(
		[
			`npm publish refused: package.json's author.email is not an e-mail address (${JSON.stringify(author?.email ?? null)}).`,
			'Put the address a maintainer reads there before the first release (docs/releasing.md, "Before the first release, once").',
		].join('\n'),
	);
	process.exit(1);
}
