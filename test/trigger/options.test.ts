/** The trigger's options as n8n hands them over: every value out of type or range fails closed (options.ts). */
import fc from 'fast-check';

import { checkParameters } from '../../nodes/Anon/trigger/options';

/** The first option checkParameters() refuses, or undefined. */
const invalidOption = (options: unknown, events: unknown) => {
	const read = checkParameters(options, events);
	return read.ok ? undefined : read.invalid;
};

describe('checkParameters: any option value out of type or range fails closed', () => {
	it('accepts the defaults (options not set) and every value the editor can save', () => {
		expect(invalidOption({}, ['*'])).toBeUndefined();
		expect(
			invalidOption(
				{
					acknowledge: 'lastNode',
					additionalEvents: 'job_run.*',
					headersToShow: 'x-tenant',
					ignoreTestJobRuns: true,
					includeDelivery: false,
					output: 'envelope',
					redeliveryWindowMinutes: 0,
					toleranceSeconds: 1,
				},
				['link.opened'],
			),
		).toBeUndefined();
		expect(invalidOption({ toleranceSeconds: 1.5, redeliveryWindowMinutes: 0.5 }, [])).toBeUndefined();
		expect(invalidOption({ acknowledge: 'onReceived' }, [])).toBeUndefined();
		expect(invalidOption({ toleranceSeconds: 3600, redeliveryWindowMinutes: 1e9 }, [])).toBeUndefined();
	});

	it('refuses an Acknowledge value that is neither mode, naming both', () => {
		expect(invalidOption({ acknowledge: 'whenever' } as never, [])).toMatchObject({
			option: 'acknowledge',
			message: expect.stringMatching(/Acknowledge.*"onReceived".*"lastNode"/),
		});
	});

	const NOT_NUMBERS: Array<[string, unknown]> = [
		['text', 'abc'],
		['a numeric string', '300'],
		['an empty string', ''],
		['NaN', NaN],
		['Infinity', Infinity],
		['-Infinity', -Infinity],
		['an object', {}],
		['an object with valueOf', { valueOf: () => 300 }],
		['a list', [300]],
		['null', null],
		['a boolean', true],
	];

	it.each([
		...NOT_NUMBERS,
		['0', 0],
		['0.5', 0.5],
		['a negative number', -300],
		['over 3600 (every signed request is remembered at most an hour)', 3601],
	])('Timestamp Tolerance as %s: invalid, named, with the valid range and what to do', (_name, value) => {
		const problem = invalidOption({ toleranceSeconds: value }, ['*']);
		expect(problem).toEqual({ option: 'toleranceSeconds', message: expect.any(String) });
		expect(problem?.message).toMatch(/Timestamp Tolerance \(Seconds\)/);
		expect(problem?.message).toMatch(/at least 1 and at most 3600/);
		expect(problem?.message).toMatch(/expression/);
	});

	it.each([...NOT_NUMBERS, ['a negative number', -1], ['-0.001', -0.001]])(
		'Redelivery Window as %s: invalid, named, with the valid range',
		(_name, value) => {
			const problem = invalidOption({ redeliveryWindowMinutes: value }, ['*']);
			expect(problem?.option).toBe('redeliveryWindowMinutes');
			expect(problem?.message).toMatch(/Redelivery Window \(Minutes\)/);
			expect(problem?.message).toMatch(/0 or more/);
		},
	);

	it('never puts the value itself in the message (an expression may return anything)', () => {
		const problem = invalidOption({ toleranceSeconds: 'secret-looking-value' }, ['*']);
		expect(problem?.message).not.toContain('secret-looking-value');
	});

	it.each([
		['additionalEvents', 42],
		['additionalEvents', ['job_run.*']],
		['headersToShow', { a: 1 }],
		['ignoreTestJobRuns', 'false'],
		['includeDelivery', 1],
		['output', 'flatter'],
	])('%s = %j: invalid (wrong type or value)', (option, value) => {
		expect(invalidOption({ [option]: value }, ['*'])?.option).toBe(option);
	});

	it.each([['link.opened'], [null], [[42]], [{ 0: '*' }]])('Events = %j: invalid (not a list of event types)', (events) => {
		expect(invalidOption({}, events)?.option).toBe('events');
	});

	it('options that are not an object at all are invalid', () => {
		expect(invalidOption('abc', ['*'])?.option).toBe('options');
		expect(invalidOption(null, ['*'])?.option).toBe('options');
	});

	it('for any JSON value: valid exactly when a finite number from 1 to 3600 (tolerance) / ≥ 0 (window)', () => {
		fc.assert(
			fc.property(fc.oneof(fc.jsonValue(), fc.double(), fc.integer({ min: 3590, max: 3610 })), (value) => {
				const okTolerance = typeof value === 'number' && Number.isFinite(value) && value >= 1 && value <= 3600;
				const okWindow = typeof value === 'number' && Number.isFinite(value) && value >= 0;
				expect(invalidOption({ toleranceSeconds: value }, []) === undefined).toBe(okTolerance);
				expect(invalidOption({ redeliveryWindowMinutes: value }, []) === undefined).toBe(okWindow);
			}),
			{ numRuns: 2000 },
		);
	});
});
