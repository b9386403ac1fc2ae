// The lint for the JavaScript around the package: tests, harness, scripts and fixtures, as
// Node.js code (node:fs, node:http, timers and console are what they are for). `npm run lint` runs
// it after `n8n-node lint`, whose config (eslint.config.mjs, kept as n8n's template in strict mode)
// lints every .ts file, the package's and its TypeScript tests, as community node code.
import js from '@eslint/js';
import globals from 'globals';

export default [
	{
		files: ['**/*.{js,mjs,cjs}'],
		...js.configs.recommended,
		languageOptions: { ecmaVersion: 2024, sourceType: 'module', globals: { ...globals.node, ...globals.jest } },
	},
	{ files: ['**/*.{js,cjs}'], languageOptions: { sourceType: 'commonjs' } },
	// Functions the UI suites and their helper hand to the browser (page.evaluate) run there.
	{ files: ['test/ui/**', 'test/helpers/editor.mjs'], languageOptions: { globals: globals.browser } },
];
