// Prints one last line with the test counts, after Jest's own summary.
class SummaryReporter {
	onRunComplete(_contexts, results) {
		const { numPassedTests, numFailedTests, numPendingTests, numTotalTests } = results;
		const failedSuites = results.numRuntimeErrorTestSuites;
		console.log(
			`\nTEST SUMMARY: ${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests} skipped, ${numTotalTests} total` +
				(failedSuites > 0 ? ` (${failedSuites} suite(s) failed to run)` : ''),
		);
	}
}
module.exports = SummaryReporter;
