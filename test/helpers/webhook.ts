/**
 * Drives `AnonTrigger.webhook()` the way n8n's webhook server does, without n8n: a request
 * with headers and raw body, a response that records what is written, and n8n's own
 * answer for each kind of result (see packages/cli/src/webhooks/webhook-helpers.ts):
 * `noWebhookResponse` → the node answered; `workflowData` → execution + 200; otherwise
 * 200 with `webhookResponse`.
 */
import { randomBytes } from 'node:crypto';

import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';
import { Webhook } from 'svix';

import { AnonTrigger } from '../../nodes/Anon/AnonTrigger.node';
import { ANON_EVENT_TYPES } from '../../nodes/Anon/trigger/eventCatalog';
// The one reader of fixtures/ (plain JavaScript, shared with the harness).
import { exampleText, expectedItem } from '../../fixtures/index.cjs';

/** A fresh endpoint signing secret for this test run, in Anon's format. */
export const SECRET = `whsec_${randomBytes(24).toString('base64')}`;

/** The event types the trigger offers, from its own catalog. */
export const EVENT_TYPES: string[] = ANON_EVENT_TYPES.map((event) => event.value);

/** Anon's example payload (fixtures/events), as the body text of a request. */
export const exampleBody = (type: string): string => exampleText(type);

/** The item the README documents for an example event (fixtures/items). */
export const documentedItem = (type: string): IDataObject => expectedItem(type);

/** Nothing a caller or an operator sees may contain the secret. */
export function expectNoSecret(outcome: Outcome): void {
	const seen = JSON.stringify([outcome.body, outcome.items, outcome.logs]);
	expect(seen).not.toContain(SECRET.slice('whsec_'.length));
}

let counter = 0;
export function messageId(): string {
	counter += 1;
	return `msg_test${Date.now().toString(36)}${counter}`;
}

/** Headers as Svix sends them, signed by the official `svix` library. */
export function signedHeaders(
	body: string,
	options: { secret?: string; id?: string; date?: Date } = {},
): Record<string, string> {
	const id = options.id ?? messageId();
	const date = options.date ?? new Date();
	return {
		'content-type': 'application/json',
		'user-agent': 'Svix-Webhooks/1.66.0 (sender-9YMgn; +https://www.svix.com/http-sender/)',
		'svix-id': id,
		'svix-timestamp': String(Math.floor(date.getTime() / 1000)),
		'svix-signature': new Webhook(options.secret ?? SECRET).sign(id, date, body),
	};
}

/**
 * Headers for successive attempts at one message (same `svix-id`), each signed when it is sent
 * and a second after the one before: Svix signs every attempt afresh and its retries come seconds
 * apart, so a retry never repeats a timestamp (a request with the same id and timestamp is a copy).
 */
export function attemptSigner(body: string, options: { secret?: string; id?: string } = {}): () => Record<string, string> {
	const id = options.id ?? messageId();
	let second = Math.floor(Date.now() / 1000) - 60;
	return () => {
		second += 1;
		return signedHeaders(body, { ...options, id, date: new Date(second * 1000) });
	};
}

export interface Delivery {
	headers: Record<string, string | string[] | undefined>;
	body: string | Buffer;
	/**
	 * As n8n does for content types it does not parse: no rawBody, the body left in the
	 * request stream, which here never ends (a sender trickling its body). Read it and you hang.
	 */
	streamed?: boolean;
	/** Node parameters; `events` defaults to all events. */
	parameters?: IDataObject;
	/** Credential data, or an Error that getCredentials throws. */
	credentials?: IDataObject | Error;
	/** The id of the node's credential (n8n always sets one; unset, the node never reuses a read). */
	credentialId?: string;
	/** Called on every getCredentials call. */
	onCredentialRead?: () => void;
	mode?: 'trigger' | 'webhook' | 'manual';
	workflowId?: string;
	nodeId?: string;
	/** What n8n answers after `workflowData` (500 simulates a failure to start the run). */
	n8nStatusOnExecution?: number;
}

export interface Outcome {
	status: number;
	body: unknown;
	executed: boolean;
	items: IDataObject[];
	logs: string[];
	/** Response headers the node set (lower-case names). */
	headers: Record<string, string>;
	/** Attempts to read the request stream of a `streamed` delivery (async iteration, data listeners, read, pipe, resume). */
	bodyReads: number;
	/** Fires the response's `close` event, as n8n does once the answer is sent. */
	close: () => void;
}

class FakeResponse {
	private readonly listeners: Record<string, Array<() => void>> = {};
	statusCode = 200;
	body: unknown;
	headers: Record<string, string> = {};
	writableEnded = false;
	writableFinished = false;
	status(code: number) {
		this.statusCode = code;
		return this;
	}
	setHeader(name: string, value: string) {
		this.headers[name.toLowerCase()] = value;
		return this;
	}
	json(body: unknown) {
		this.body = body;
		return this.end();
	}
	/** n8n's every answer ends here, as express's `json()` and `send()` do. */
	end() {
		this.writableEnded = true;
		this.writableFinished = true;
		return this;
	}
	once(event: string, listener: () => void) {
		(this.listeners[event] ??= []).push(listener);
		return this;
	}
	emit(event: string) {
		const listeners = this.listeners[event] ?? [];
		delete this.listeners[event];
		for (const listener of listeners) listener();
	}
}

const trigger = new AnonTrigger();

/**
 * A request whose body never arrives, as from a sender trickling it forever: every way of
 * reading a Node.js stream is counted, and none ever yields a byte or an end.
 */
function endlessRequest(headers: Delivery['headers']) {
	const request = {
		headers,
		body: {},
		readable: true,
		bodyReads: 0,
		[Symbol.asyncIterator]: () => ({ next: () => reading(new Promise(() => {})) }),
		on: (event: string) => reading(request, event),
		once: (event: string) => reading(request, event),
		addListener: (event: string) => reading(request, event),
		read: () => reading(null),
		pipe: (destination: unknown) => reading(destination),
		resume: () => reading(request),
	};
	function reading<T>(result: T, event = 'data'): T {
		if (['data', 'readable', 'end'].includes(event)) request.bodyReads += 1;
		return result;
	}
	return request;
}

/** The `this` of `webhook()` as n8n builds it, around a request and a response. */
export function webhookContext(
	request: unknown,
	response: unknown,
	delivery: Omit<Delivery, 'headers' | 'body'>,
	logs: string[] = [],
): IWebhookFunctions {
	const log = (level: string) => (message: string) => logs.push(`${level}: ${message}`);
	const parameters: IDataObject = { events: ['*'], options: {}, ...delivery.parameters };
	return {
		getRequestObject: () => request,
		getResponseObject: () => response,
		getNodeParameter: (name: string, fallback?: unknown) => parameters[name] ?? fallback,
		getCredentials: async () => {
			delivery.onCredentialRead?.();
			const credentials = delivery.credentials ?? { signingSecret: SECRET };
			if (credentials instanceof Error) throw credentials;
			return credentials;
		},
		getMode: () => delivery.mode ?? 'webhook',
		getWorkflow: () => ({ id: delivery.workflowId ?? 'wf1', name: 'test', active: true }),
		getNode: () => ({
			id: delivery.nodeId ?? 'node1',
			name: 'Anon Trigger',
			credentials: delivery.credentialId ? { anonWebhookApi: { id: delivery.credentialId, name: 'Anon' } } : undefined,
		}),
		logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
	} as unknown as IWebhookFunctions;
}

/** Runs `webhook()` in a context (see webhookContext). */
export async function runWebhook(context: IWebhookFunctions) {
	return await trigger.webhook.call(context);
}

/** Runs one request through the node and n8n's answer logic; closes the response unless told not to. */
export async function deliver(delivery: Delivery, { close = true } = {}): Promise<Outcome> {
	const logs: string[] = [];
	const response = new FakeResponse();
	const rawBody = Buffer.isBuffer(delivery.body) ? delivery.body : Buffer.from(delivery.body);
	const request = delivery.streamed ? endlessRequest(delivery.headers) : undefined;
	const context = webhookContext(request ?? { headers: delivery.headers, rawBody, body: {} }, response, delivery, logs);

	const result = await trigger.webhook.call(context);

	let status: number;
	let body: unknown;
	const executed = result.workflowData !== undefined;
	if (result.noWebhookResponse) {
		status = response.statusCode;
		body = response.body;
	} else if (executed) {
		// With responseData '' n8n answers with webhookResponse once the execution exists.
		status = delivery.n8nStatusOnExecution ?? 200;
		body = status < 300 ? result.webhookResponse : { message: 'There was a problem executing the workflow' };
		response.status(status).json(body);
	} else {
		status = 200;
		body = result.webhookResponse ?? { message: 'Webhook call received' };
		response.status(status).json(body);
	}
	const fireClose = () => response.emit('close');
	if (close) fireClose();
	const items = (result.workflowData?.[0] ?? []).map((item) => item.json);
	return {
		status,
		body,
		executed,
		items,
		logs,
		headers: response.headers,
		bodyReads: request?.bodyReads ?? 0,
		close: fireClose,
	};
}
