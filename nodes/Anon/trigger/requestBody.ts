/**
 * The first step: the body as n8n read it, never the socket. n8n keeps the raw bytes
 * (`rawBody`) of the content types it parses; any other body is still in the socket, and reading
 * it here would hold this request (and n8n's isolate for it) at the sender's pace. Never
 * compressed: Anon sends plain bytes (a compressed body is a proxy's doing, or not Anon's).
 */
import type { IWebhookFunctions } from 'n8n-workflow';

import { encodedBody, Stop, unreadBody } from './answers';

/** The raw bytes n8n read, which the signature covers; else a 415 stop. */
export function receivedBody(context: IWebhookFunctions): Buffer {
	const { rawBody, headers } = context.getRequestObject();
	const encoding = headers['content-encoding'];
	if (encoding && encoding !== 'identity') throw new Stop(encodedBody(encoding));
	if (!Buffer.isBuffer(rawBody)) throw new Stop(unreadBody(headers['content-type']));
	return rawBody;
}
