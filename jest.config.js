/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: { module: 'commonjs', target: 'es2022', strict: true, esModuleInterop: true, resolveJsonModule: true, skipLibCheck: true } }],
	},
	testTimeout: 120_000,
	reporters: ['default', '<rootDir>/test/helpers/summaryReporter.js'],
};
