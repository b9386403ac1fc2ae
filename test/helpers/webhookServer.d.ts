// Types for the plain-JavaScript server (webhookServer.js), so TypeScript tests can use it.
import type { IDataObject } from 'n8n-workflow';

import type { Delivery } from './webhook';

/** The request and response of node:http (types kept loose: n8n's lint forbids importing node:http here). */
export type Exchange = { request: { headers: Record<string, string | string[] | undefined> }; response: { destroyed: boolean } };

export interface ServerOptions extends Omit<Delivery, 'headers' | 'body'> {
	/** Runs after the body is read, before the node. */
	beforeNode?: (exchange: Exchange) => Promise<void>;
	/** Runs after the node handed items to n8n, before n8n answers. */
	beforeAnswer?: (exchange: Exchange) => Promise<void>;
	/** n8n's status for a delivery that started a workflow (500: the execution could not be created, or failed). */
	answerStatus?: (exchange: Exchange) => number;
	/** Receives the node's log lines ("warn: …"). */
	logs?: string[];
}

export interface WebhookServer {
	url: string;
	/** The items of every execution the node started, in order. */
	executions: IDataObject[][];
	/** Resolves once every request received so far has been handled to the end. */
	idle(): Promise<void>;
	close(): Promise<void>;
}

export type Attempt = { status: number; body: unknown } | { status: 'gave_up' };

export function senderGone(exchange: Exchange): Promise<void>;
export function startWebhookServer(options?: ServerOptions): Promise<WebhookServer>;
export function attempt(url: string, headers: Record<string, string>, body: string, timeoutMs?: number): Promise<Attempt>;
export function waitUntil(check: () => boolean, timeoutMs?: number): Promise<void>;
export function pause(ms: number): Promise<void>;
/** A request as raw bytes over a socket, so that a header can appear twice. */
export function rawRequest(url: string, headerLines: string[], payload: string): Promise<{ status: number; body: { reason?: string } }>;
