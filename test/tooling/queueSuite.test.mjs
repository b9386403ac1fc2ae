// The queue suites are narrowed with node's own --test-name-pattern; the harness only reads the
// patterns to know whether any test is left (and the topology worth starting).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { testNamePatterns } from '../../tools/harness/queueSuite.mjs';

describe('testNamePatterns', () => {
	test('no pattern: none', () => {
		assert.deepEqual(testNamePatterns(['--enable-source-maps']), []);
	});

	test('both spellings, plain and /literal/flags', () => {
		const patterns = testNamePatterns(['--test-name-pattern=^SIGKILL', '--test-name-pattern', '/^acknowledge/i']);
		assert.equal(patterns.length, 2);
		assert.ok(patterns[0].test('SIGKILL one worker'));
		assert.ok(!patterns[0].test('the events whose execution died with the worker are recovered by a replay'));
		assert.ok(patterns[1].test('Acknowledge "When the Workflow Finishes" through nginx'));
	});
});
