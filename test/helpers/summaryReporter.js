// Prints one line with the test counts as the very last line of the run, after Jest's own
// summary (reporters run before it, so the line is written when the process exits).
class SummaryReporter {
	onRunComplete(_contexts, results) {
		const { numPassedTests, numFailedTests, numPendingTests, numTotalTests, numRuntimeErrorTestSuites } = results;
		const line =
			`TEST SUMMARY: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests} skipped, ${numTotalTests} total` +
			(numRuntimeErrorTestSuites > 0 ? `, ${numRuntimeErrorTestSuites} suite(s) failed to run` : '');
		process.once('exit', () => process.stdout.write(`\n${line}\n`));
	}
}
module.exports = SummaryReporter;
