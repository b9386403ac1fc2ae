// Types for the plain-JavaScript stand-in (anonApiStandIn.js), so TypeScript tests can use it.
export interface RecordedRequest {
	method: string;
	path: string;
	headers: Record<string, string | string[] | undefined>;
	body: unknown;
}

export interface AnonApiStandIn {
	baseUrl: string;
	requests: RecordedRequest[];
	failNext(status: number, options?: { echoAuthorization?: boolean; text?: string }): void;
	reset(): void;
	close(): Promise<void>;
}

export function startAnonApiStandIn(options: { apiKey: string }): Promise<AnonApiStandIn>;

export const JOB: Record<string, unknown> & { id: string };
export const SECOND_JOB_ID: string;
export const WORKFLOW_RUN: Record<string, unknown> & { id: string };
