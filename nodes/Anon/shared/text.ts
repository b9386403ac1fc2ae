/** Values that came from outside (a request body, an expression), as text for a message. */

/**
 * Any value, as short text for a message or a log line. Never throws: `String(x)` and
 * template literals do for an object such as `{"toString":1}`.
 */
export function quoted(value: unknown, max = 100): string {
	let text: string;
	if (typeof value === 'string') text = value;
	else {
		try {
			text = JSON.stringify(value) ?? typeof value;
		} catch {
			text = typeof value;
		}
	}
	return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
