/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	// `npm test` runs the unit tests; the reliability suite has its own command, and
	// test/tooling/ holds the node:test unit tests of the harness in tools/harness/ (`node --test test/tooling/`).
	testPathIgnorePatterns: ['/node_modules/', '/test/reliability/', '/test/tooling/'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: { module: 'commonjs', target: 'es2022', strict: true, esModuleInterop: true, resolveJsonModule: true, skipLibCheck: true, allowJs: true } }],
	},
	testTimeout: 120_000,
	reporters: ['default', '<rootDir>/test/helpers/summaryReporter.js'],
};
