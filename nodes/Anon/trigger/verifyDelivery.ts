/**
 * The verification step: the credential's signing key (secretCache.ts) and the request's Svix
 * signature (verifySignature.ts), failing closed with the answer for each failure.
 */
import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { answerYourself, refuseMisconfigured } from './answers';
import { signingKey } from './secretCache';
import { verifyWebhookSignature } from './verifySignature';

export type VerifiedDelivery = { ok: true; id: string; timestamp: number; version: 'v1' | 'v1a' } | { ok: false; answer: IWebhookResponseData };

/** Verifies the request's signature over `rawBody`; a failure comes with its 401 or 500 answer. */
export async function verifyDelivery(context: IWebhookFunctions, rawBody: Buffer, toleranceSeconds: number): Promise<VerifiedDelivery> {
	const secret = await signingKey(context);
	if (!secret.ok) return { ok: false, answer: refuseMisconfigured(context, secret.message) };
	const request = context.getRequestObject();
	const verified = verifyWebhookSignature({
		// Each header as often as it came: Node's own `headers` joins a repeated one with ", ".
		headers: request.headersDistinct ?? request.headers,
		body: rawBody,
		key: secret.key,
		toleranceSeconds,
	});
	if (verified.ok) return verified;
	context.logger.debug(`Anon Trigger rejected a request (${verified.reason})`);
	return {
		ok: false,
		answer: answerYourself(context, 401, { status: 'rejected', reason: verified.reason, message: verified.message }),
	};
}
