/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	// `npm test` runs the unit tests; the long property and timing tests of test/stress/ run
	// with the reliability suite (`npm run test:reliability`); every .mjs file is node:test.
	testMatch: ['**/*.test.ts', '**/*.test.js'],
	testPathIgnorePatterns: ['/node_modules/', '/test/stress/'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: { module: 'commonjs', target: 'es2022', strict: true, esModuleInterop: true, resolveJsonModule: true, skipLibCheck: true, allowJs: true } }],
	},
	testTimeout: 120_000,
	reporters: ['default', '<rootDir>/test/helpers/summaryReporter.js'],
};
