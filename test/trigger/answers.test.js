// The README documents the trigger's answers as a contract: its "What the trigger answers"
// table and the 401 reasons under "Troubleshooting" must name exactly the statuses and
// reasons of nodes/Anon/trigger/answers.ts, each reason with its status. Plain JavaScript: it
// reads the README with fs, which n8n's lint forbids in TypeScript.
const { readFileSync } = require('node:fs');
const path = require('node:path');

const { ANSWER_REASONS } = require('../../nodes/Anon/trigger/answers');
const { VERIFY_FAILURE_REASONS } = require('../../nodes/Anon/trigger/verifySignature');

const readme = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');

/** The table rows (first line after the header separator on) of a README section. */
function tableRows(heading) {
	const start = readme.indexOf(`\n## ${heading}\n`);
	if (start < 0) throw new Error(`README.md has no "## ${heading}" section`);
	const end = readme.indexOf('\n## ', start + 1);
	return readme
		.slice(start, end < 0 ? undefined : end)
		.split('\n')
		.filter((line) => line.startsWith('| ') && !line.startsWith('| ---'))
		.slice(1)
		.map((line) => line.split(' | ').map((cell) => cell.replace(/^\| |\s*\|$/g, '')));
}

const codes = (cell) => [...cell.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]);

/** The 401 reasons, from the first column of Troubleshooting's table. */
const verifyReasons = () => tableRows('Troubleshooting').flatMap(([reasons]) => codes(reasons));

/**
 * `status/reason` pairs from the answers table's third column; a row whose reasons are
 * "[a reason below](#troubleshooting)" has the 401 reasons.
 */
function documentedPairs() {
	return tableRows('What the trigger answers')
		.flatMap(([, , answer]) => {
			const [status, ...named] = codes(answer);
			const reasons = answer.includes('(#troubleshooting)') ? [...named, ...verifyReasons()] : named;
			return reasons.length === 0 ? [status] : reasons.map((reason) => `${status}/${reason}`);
		})
		.sort();
}

function codePairs() {
	return Object.entries(ANSWER_REASONS)
		.flatMap(([status, reasons]) => (reasons.length === 0 ? [status] : reasons.map((reason) => `${status}/${reason}`)))
		.sort();
}

describe("the README's answers table", () => {
	it('names exactly the statuses and reasons the trigger answers with', () => {
		expect(documentedPairs()).toEqual(codePairs());
	});

	it('lists every verification failure among the rejections, under Troubleshooting', () => {
		expect(verifyReasons().sort()).toEqual([...VERIFY_FAILURE_REASONS].sort());
		expect(ANSWER_REASONS.rejected).toEqual(expect.arrayContaining([...VERIFY_FAILURE_REASONS]));
	});
});
