// The action node's operations (RESOURCES in nodes/Anon/action/resources.ts, and each resource's
// operation modules) are the one list: the editor's Resource and Operation options and the
// unit tests take them from there; this test reads them as the editor does, from the node's
// description. For each operation this test names what is still missing
// elsewhere: its section in docs/anon-node.md with the endpoint it calls, that endpoint in the
// stand-in of Anon's API (test/helpers/anonApiStandIn.js), and its tests in test/action/Anon.node.test.ts.
const { Anon } = require('../nodes/Anon/Anon.node');
const { startAnonApiStandIn } = require('./helpers/anonApiStandIn');
const { read } = require('./helpers/tree');
const API_KEY = 'anon_operation_catalog_key';

const { properties } = new Anon().description;
const operations = properties
	.find((property) => property.name === 'resource')
	.options.flatMap((resource) =>
		properties
			.find((property) => property.name === 'operation' && property.displayOptions?.show?.resource?.includes(resource.value))
			.options.map((operation) => ({ title: `${resource.name} → ${operation.name}` })),
	);

describe('every action operation is documented, served by the stand-in and tested', () => {
	const docs = read('docs/anon-node.md');
	const tests = read('test/action/Anon.node.test.ts');

	it('has its pieces everywhere a test cannot derive them from the operation module', async () => {
		const api = await startAnonApiStandIn({ apiKey: API_KEY });
		const missing = [];
		try {
			for (const { title } of operations) {
				const section = docs.split(`\n### ${title}\n`)[1]?.split('\n## ')[0].split('\n### ')[0];
				const endpoint = section && /^\s*`(GET|POST|PUT|PATCH|DELETE) (\/api\/v2\/[^`\s]+)`/.exec(section);
				if (!section) missing.push(`${title}: no "### ${title}" section in docs/anon-node.md (the operation, its endpoint, fields and output)`);
				else if (!endpoint) missing.push(`${title}: its docs/anon-node.md section does not start with the endpoint it calls (\`METHOD /api/v2/…\`)`);
				else {
					const url = `${api.baseUrl}${endpoint[2].replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000')}`;
					const answer = await fetch(url, {
						method: endpoint[1],
						headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
						body: endpoint[1] === 'GET' ? undefined : '{}',
					});
					const text = await answer.text();
					if (text.includes('No route')) missing.push(`${title}: the stand-in of Anon's API does not serve ${endpoint[1]} ${endpoint[2]} (route() in test/helpers/anonApiStandIn.js; its types in anonApiStandIn.d.ts)`);
				}
				const block = tests.split(`describe('${title}'`)[1]?.split(/\ndescribe\(/)[0];
				if (block === undefined) missing.push(`${title}: no describe('${title}', …) in test/action/Anon.node.test.ts (the request sent, the item returned, a 404, a bad input)`);
				else if (!/\b(it|test)(\.each\([\s\S]*?\))?\(/.test(block)) missing.push(`${title}: describe('${title}', …) in test/action/Anon.node.test.ts holds no test`);
			}
		} finally {
			await api.close();
		}
		expect(missing).toEqual([]);
	});

	it('names every documented operation in the catalog, and no other', () => {
		const documented = [...docs.matchAll(/^### (.+ → .+)$/gm)].map((match) => match[1]);
		expect(documented.sort()).toEqual(operations.map(({ title }) => title).sort());
	});
});
