/**
 * The verification step: the credential's signing key (secretCache.ts) and the request's Svix
 * signature (verifySignature.ts), failing closed with the answer for each failure.
 */
import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { answerYourself, refuseMisconfigured } from './answers';
import { warnAtMostOnceAMinute } from './logLimiter';
import { signingKey } from './secretCache';
import { verifyWebhookSignature, type VerifyFailureReason } from './verifySignature';

/** Rejections of well-formed, signed requests: what Anon's own deliveries get when the secret or the clock is wrong. */
const LIKELY_ANON = new Set<VerifyFailureReason>(['no_matching_signature', 'timestamp_too_old', 'timestamp_too_new']);

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
	if (context.getMode() !== 'manual' && LIKELY_ANON.has(verified.reason)) {
		// Well-formed and signed, but not with this credential's secret (another endpoint's, one
		// rotated in Anon's dashboard, or a body a proxy rewrote), or sent by a clock far off:
		// Anon retries twice and then marks the message failed, so the operator must hear of it.
		warnAtMostOnceAMinute(context, 'signature', `rejected a signed request with 401 ${verified.reason}: ${verified.message}`);
	} else {
		context.logger.debug(`Anon Trigger rejected a request (${verified.reason})`);
	}
	return {
		ok: false,
		answer: answerYourself(context, 401, { status: 'rejected', reason: verified.reason, message: verified.message }),
	};
}
