/** A JSON object that came from outside (a request body, an API answer), and the check for one. */

export type Json = Record<string, unknown>;

export const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
