// The repository as the tests of the tree read it: its root, a file's text, and the files git
// tracks (or would: new files not ignored) under some folders.
const { execFileSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..', '..');

/** A file's text, by its path from the repository's root. */
const read = (file) => readFileSync(path.join(root, file), 'utf8');

/** The files under `folders`, as git lists them, paths from the root. */
const tracked = (...folders) =>
	execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', ...folders], { cwd: root, encoding: 'utf8' })
		.split('\0')
		.filter(Boolean);

module.exports = { read, root, tracked };
