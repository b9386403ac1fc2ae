// The trigger's answers are built in one place, nodes/Anon/trigger/answers.ts, and the README
// documents them as a contract: its "What the trigger answers" table and the 401 reasons under
// "Troubleshooting" must name exactly the statuses and reasons answers.ts gives, each reason with
// its status.
const { ANSWER_REASONS, VERIFY_FAILURE_REASONS } = require('../nodes/Anon/trigger/answers');
const { read, tracked } = require('./helpers/tree');

const readme = read('README.md');

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

describe('where answers are built', () => {
	const product = tracked('nodes').filter((file) => file.endsWith('.ts') && file !== 'nodes/Anon/trigger/answers.ts');
	// An answer body (a status other than accepted, which also names a redelivery claim's state;
	// an accepted message), a response written by hand, or an answer handed to n8n.
	const statuses = Object.keys(ANSWER_REASONS).filter((status) => status !== 'accepted');
	const answerShapes = [
		new RegExp(`status: '(${statuses.join('|')})'`),
		/status: 'accepted', message/,
		/\.json\(/,
		/\.status\(\d/,
		/noWebhookResponse/,
		/webhookResponse: (?!acceptedBody\()/,
	];

	it('finds the product files it reads', () => {
		expect(product).toEqual(expect.arrayContaining(['nodes/Anon/AnonTrigger.node.ts', 'nodes/Anon/trigger/redelivery.ts']));
	});

	it('builds and writes every answer in answers.ts, and nowhere else', () => {
		const elsewhere = product.flatMap((file) =>
			read(file)
				.split('\n')
				.map((line, i) => (answerShapes.some((shape) => shape.test(line)) ? `${file}:${i + 1}: ${line.trim()}` : null))
				.filter(Boolean),
		);
		expect(elsewhere).toEqual([]);
	});
});

describe('the signature verifier', () => {
	it('holds no wording for users: its failures are reasons and facts, worded in answers.ts', () => {
		const code = read('nodes/Anon/trigger/verifySignature.ts')
			.replace(/\/\*[\s\S]*?\*\//g, '')
			.replace(/\/\/.*$/gm, '');
		// A sentence: a string or template literal of four words or more.
		const sentences = [...code.matchAll(/(['`])((?:(?!\1)[^\\]|\\.)*)\1/g)].map((m) => m[2]).filter((text) => text.trim().split(/\s+/).length >= 4);
		expect(sentences).toEqual([]);
	});
});
