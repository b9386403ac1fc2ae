/** The event path's pure pieces: classifying a body, the event-type filter, Anon's schemas and the emitted item. */
import { schemaIssues } from '../../nodes/Anon/trigger/eventCatalog';
import { classifyBody, compileEventFilter, splitEventList } from '../../nodes/Anon/trigger/eventFilter';
import { eventItem, flatCollisionsForTests } from '../../nodes/Anon/trigger/eventItem';
import { documentedItem, EVENT_TYPES, exampleBody } from '../helpers/webhook';

const example = (type: string) => JSON.parse(exampleBody(type)) as Record<string, unknown>;

describe('classifyBody', () => {
	it('recognises the dashboard ping, with or without a type', () => {
		expect(classifyBody(Buffer.from(exampleBody('svix.ping')))).toEqual({ kind: 'ping' });
		expect(classifyBody(Buffer.from('{"type":"svix.ping","data":{}}'))).toEqual({ kind: 'ping' });
	});

	it.each(EVENT_TYPES)('reads %s from the raw bytes', (type) => {
		const classified = classifyBody(Buffer.from(exampleBody(type)));
		expect(classified).toEqual({ kind: 'event', type, body: example(type) });
	});

	it.each([
		['success with another key', '{"success":true,"message":"hello"}'],
		['success with data', '{"success":true,"data":{"object":{}}}'],
		['success with a null type', '{"success":true,"type":null}'],
		['an array holding the ping', '[{"success":true}]'],
	])('takes only Svix\'s ping itself for a ping, not %s', (_name, text) => {
		expect(classifyBody(Buffer.from(text))).toMatchObject({ kind: 'unrecognised' });
	});

	it('still recognises the ping with spacing and key order of any kind', () => {
		expect(classifyBody(Buffer.from('{ "success" : true }'))).toEqual({ kind: 'ping' });
		expect(classifyBody(Buffer.from('{"type":"svix.ping"}'))).toEqual({ kind: 'ping' });
		expect(classifyBody(Buffer.from('{"success":false}'))).toMatchObject({ kind: 'unrecognised' });
	});

	it('tolerates a UTF-8 byte order mark', () => {
		expect(classifyBody(Buffer.from(`\uFEFF${exampleBody('link.opened')}`))).toMatchObject({ kind: 'event', type: 'link.opened' });
	});

	it.each([
		['not JSON', 'hello', /not JSON/],
		['truncated JSON', exampleBody('link.opened').slice(0, 50), /not JSON/],
		['a JSON array', '[1,2]', /not a JSON object/],
		['JSON null', 'null', /not a JSON object/],
		['no type', '{"data":{}}', /no event "type"/],
		['a numeric type', '{"type":42}', /no event "type"/],
		['an empty body', '', /not JSON/],
	])('calls %s unrecognised', (_name, text, problem) => {
		const classified = classifyBody(Buffer.from(text));
		expect(classified.kind).toBe('unrecognised');
		expect(classified.kind === 'unrecognised' && classified.problem).toMatch(problem);
	});
});

describe('compileEventFilter', () => {
	it.each([
		[['*'], 'anything.new', true],
		[['link.opened'], 'link.opened', true],
		[['link.opened'], 'link.closed', false],
		[['job_run.*'], 'job_run.failed', true],
		[['job_run.*'], 'job_run.started', true],
		[['job_run.*'], 'workflow_run.failed', false],
		[['job_run.*'], 'job_runXfailed', false],
		[['*.failed'], 'workflow_run.failed', true],
		[['*.failed'], 'workflow_run.completed', false],
		[['future_thing.happened'], 'future_thing.happened', true],
		[[' link.opened '], 'link.opened', true],
		[['link.(opened)'], 'link.opened', false],
		[[], 'link.opened', false],
		[[''], 'link.opened', false],
	])('%j matches %s → %s', (patterns, type, expected) => {
		expect(compileEventFilter(patterns)(type)).toBe(expected);
	});

	it('splits a typed list on commas and new lines', () => {
		expect(splitEventList('job_run.*, future_thing.happened\n*.failed,,')).toEqual(['job_run.*', 'future_thing.happened', '*.failed']);
	});
});

describe('schemas', () => {
	it.each(EVENT_TYPES)('%s example matches its schema', (type) => {
		expect(schemaIssues(type, example(type))).toEqual([]);
	});

	it('reports a mismatch with its path', () => {
		const body = example('workflow_run.failed');
		const data = body.data as { object: Record<string, unknown> };
		data.object.status = 'EXPLODED';
		delete data.object.workflowId;
		const issues = schemaIssues('workflow_run.failed', body);
		expect(issues).toEqual([
			expect.stringMatching(/^data\.object\.workflowId: Required/),
			expect.stringMatching(/^data\.object\.status: Invalid enum value.*'EXPLODED'/),
		]);
	});

	it('reports a broken envelope', () => {
		expect(schemaIssues('link.opened', { type: 'link.opened', object: 'event', created: 'yesterday', data: {} })).toEqual([
			'id: Required',
			'created: Invalid datetime',
			'data.object: Required',
		]);
	});

	it('accepts unknown fields and unknown event types without complaint', () => {
		const body = example('link.opened');
		(body.data as { object: Record<string, unknown> }).object.brand_new_field = { nested: true };
		body.livemode = false;
		expect(schemaIssues('link.opened', body)).toEqual([]);
		expect(schemaIssues('customer.created', { ...body, type: 'customer.created' })).toEqual([]);
	});

	it('accepts every documented workflow run status', () => {
		for (const status of ['PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'AWAITING_USER_INPUT', 'COMPLETED_WITH_NO_ACTION_TAKEN']) {
			const body = example('workflow_run.completed');
			(body.data as { object: Record<string, unknown> }).object.status = status;
			expect(schemaIssues('workflow_run.completed', body)).toEqual([]);
		}
	});
});

describe('eventItem', () => {
	it.each(EVENT_TYPES)('%s: flat item is the documented one', (type) => {
		expect(eventItem(example(type), 'flat')).toEqual(documentedItem(type));
	});

	it('keeps unknown fields, at every level, exactly as sent', () => {
		const body = example('job_run.failed');
		body.livemode = true;
		const data = body.data as Record<string, unknown>;
		data.retry_hint = 'later';
		(data.object as Record<string, unknown>).someNewField = [1, 2];
		const item = eventItem(body, 'flat');
		expect(item).toMatchObject({ someNewField: [1, 2], retry_hint: 'later', event: { livemode: true } });
	});

	it('emits the event as sent in envelope mode', () => {
		const body = example('link.closed');
		expect(eventItem(body, 'envelope')).toEqual(body);
	});

	it('never overwrites a resource field named event: the envelope goes under _event', () => {
		const body = example('link.closed');
		const object = (body.data as { object: Record<string, unknown> }).object;
		object.event = 'signup';
		const item = eventItem(body, 'flat');
		expect(item.event).toBe('signup');
		expect(item._event).toMatchObject({ id: body.id, type: 'link.closed' });
	});

	it('adds underscores until the name is free: event and _event taken → __event', () => {
		const body = example('link.closed');
		const data = body.data as Record<string, unknown>;
		(data.object as Record<string, unknown>).event = 1;
		data._event = 2; // a sibling of object in data is a top-level field of the flat item too
		const item = eventItem(body, 'flat');
		expect(item).toMatchObject({ event: 1, _event: 2, __event: { type: 'link.closed' } });
	});

	it('keeps the resource\'s fields when a field of data has the same name: data.id is emitted as _id', () => {
		const body = example('workflow_run.failed');
		const data = body.data as Record<string, unknown> & { object: Record<string, unknown> };
		const run = { ...data.object };
		data.id = 'data_level_id';
		data.status = 'data_level_status';
		const item = eventItem(body, 'flat');
		expect(item).toMatchObject({ id: run.id, status: run.status, _id: 'data_level_id', _status: 'data_level_status' });
		expect(item.error_message).toBe(data.error_message);
		expect(item).not.toHaveProperty('_error_message');
	});

	it('adds underscores until the name is free for a colliding data field too: id and _id taken → __id', () => {
		const body = example('job_run.failed');
		const data = body.data as Record<string, unknown> & { object: Record<string, unknown> };
		data.id = 'colliding';
		data._id = 'its own';
		const item = eventItem(body, 'flat');
		expect(item).toMatchObject({ id: data.object.id, _id: 'its own', __id: 'colliding' });
	});

	it('keeps a data field named __proto__ or constructor as a plain field', () => {
		const body = JSON.parse(
			'{"id":"evt_1","type":"link.closed","data":{"object":{"id":"lnk_1","__proto__":{"a":1}},"__proto__":{"b":2},"constructor":3}}',
		) as Record<string, unknown>;
		const item = eventItem(body, 'flat');
		expect(Object.getPrototypeOf(item)).toBe(Object.prototype);
		expect(Object.getOwnPropertyDescriptor(item, '__proto__')?.value).toEqual({ a: 1 });
		expect(Object.getOwnPropertyDescriptor(item, '___proto__')?.value).toEqual({ b: 2 });
		expect(Object.getOwnPropertyDescriptor(item, 'constructor')?.value).toBe(3);
	});

	it('copes with a data field that is missing or not an object', () => {
		expect(eventItem({ id: 'evt_1', type: 'x.y' }, 'flat')).toEqual({ event: { id: 'evt_1', type: 'x.y' } });
		expect(eventItem({ id: 'evt_1', type: 'x.y', data: { object: 'text' } }, 'flat')).toEqual({
			object: 'text',
			event: { id: 'evt_1', type: 'x.y' },
		});
	});
});

describe('flatCollisionsForTests', () => {
	it.each(EVENT_TYPES)('%s example: none (error_message beside object is not a collision)', (type) => {
		expect(flatCollisionsForTests(example(type))).toEqual([]);
	});

	it('names each data field that the flat item renames, and the name it is emitted under', () => {
		const body = example('workflow_run.failed');
		const data = body.data as Record<string, unknown>;
		data.id = 'data_level_id';
		data.status = 'data_level_status';
		data.retry_hint = 'later';
		expect(flatCollisionsForTests(body)).toEqual([
			'data.id collides with the workflow_run\'s own "id"; emitted as "_id"',
			'data.status collides with the workflow_run\'s own "status"; emitted as "_status"',
		]);
	});

	it('says the name eventItem uses when underscores are needed twice', () => {
		const body = example('job_run.failed');
		const data = body.data as Record<string, unknown>;
		data.id = 'colliding';
		data._id = 'its own';
		const [message] = flatCollisionsForTests(body);
		expect(message).toBe('data.id collides with the job_run\'s own "id"; emitted as "__id"');
		expect(eventItem(body, 'flat').__id).toBe('colliding');
	});

	it('has nothing to say about an envelope without a resource object', () => {
		expect(flatCollisionsForTests({ id: 'evt_1', type: 'x.y' })).toEqual([]);
		expect(flatCollisionsForTests({ id: 'evt_1', type: 'x.y', data: 'text' })).toEqual([]);
		expect(flatCollisionsForTests({ id: 'evt_1', type: 'x.y', data: { object: 'text', id: 1 } })).toEqual([]);
	});
});
