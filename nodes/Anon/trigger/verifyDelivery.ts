/**
 * The verification step: the credential's signing key (secretCache.ts) and the request's Svix
 * signature (verifySignature.ts), failing closed: a 500 stop for a credential that gives no key,
 * a 401 stop for a request it did not sign.
 */
import type { IWebhookFunctions } from 'n8n-workflow';

import { endpointMisconfigured, Stop, unverified, verifyFailureMessage } from './answers';
import { monotonicNow } from './clock';
import { LOG_INTERVAL_MS, warnAtMostOnceAMinute } from './logLimiter';
import { requestKeys } from './secretCache';
import { verifyWebhookSignature, type VerifyResult } from './verifySignature';

/** A delivery whose signature verified: its message id, signing time (unix seconds) and signature version. */
export type VerifiedDelivery = { id: string; timestamp: number; version: 'v1' | 'v1a' };

/**
 * Per workflow: when a request last carried a signature made with this credential's key (its
 * time in tolerance or not), and the signed requests that matched no key since `periodStart`.
 * Only a matching signature is evidence about the endpoint: it says the secret is right, and if
 * its time is off, that a clock is. One entry per workflow that was ever called.
 */
const evidence = new Map<string, { matchedAt: number; periodStart: number; mismatches: number }>();

/** Verifies the request's signature over `rawBody`. */
export async function verifyDelivery(context: IWebhookFunctions, rawBody: Buffer, toleranceSeconds: number): Promise<VerifiedDelivery> {
	const secret = await requestKeys(context);
	if (!secret.ok) {
		const node = context.getNode();
		throw new Stop(endpointMisconfigured(secret.message, node.credentials?.anonWebhookApi?.id ?? `node ${node.id}`));
	}
	const request = context.getRequestObject();
	// Each header as often as it came: Node's own `headers` joins a repeated one with ", ".
	const headers = request.headersDistinct ?? request.headers;
	let verified = verifyWebhookSignature({ headers, body: rawBody, key: secret.key, toleranceSeconds });
	// On the Test URL, a testing endpoint's key for a request the endpoint's own key did not sign.
	if (secret.testingKey && !verified.ok && (verified.reason === 'no_matching_signature' || verified.reason === 'no_supported_signature')) {
		const testing = verifyWebhookSignature({ headers, body: rawBody, key: secret.testingKey, toleranceSeconds });
		if (testing.ok || testing.reason !== 'no_matching_signature') verified = testing;
	}
	if (context.getMode() !== 'manual') tellTheOperator(context, verified);
	else if (!verified.ok) context.logger.debug(`Anon Trigger rejected a test request (${verified.reason})`);
	if (!verified.ok) throw new Stop(unverified(verified));
	return { id: verified.id, timestamp: verified.timestamp, version: verified.version };
}

/**
 * What n8n's log hears of a production request, warning only on evidence, one key per cause so
 * that one never hides the other. A clock: at once, for a request signed with this key whose
 * time is out of tolerance. The secret: mismatches are counted from the first one; the first
 * mismatch a minute or more later reports them, naming the secret only if no request matched the
 * key in that time (Anon's own retries bring that mismatch: it retries twice, then marks the
 * message failed). Everything else, and mismatches beside requests that matched (not Anon's:
 * noise), at debug level.
 */
function tellTheOperator(context: IWebhookFunctions, verified: VerifyResult): void {
	const now = monotonicNow();
	const workflowId = context.getWorkflow().id ?? '';
	let seen = evidence.get(workflowId);
	if (!seen) {
		seen = { matchedAt: -Infinity, periodStart: now, mismatches: 0 };
		evidence.set(workflowId, seen);
	}
	if (verified.ok || verified.reason === 'timestamp_too_old' || verified.reason === 'timestamp_too_new') {
		seen.matchedAt = now;
		if (!verified.ok) warnAtMostOnceAMinute(context, 'clock', `rejected a request signed with this credential's key with 401 ${verified.reason}: ${verifyFailureMessage(verified)}`);
		return;
	}
	if (verified.reason !== 'no_matching_signature') {
		context.logger.debug(`Anon Trigger rejected a request (${verified.reason})`);
		return;
	}
	if (seen.mismatches === 0) seen.periodStart = now;
	seen.mismatches += 1;
	if (now - seen.periodStart < LOG_INTERVAL_MS || seen.matchedAt >= seen.periodStart) {
		context.logger.debug('Anon Trigger rejected a request (no_matching_signature)');
		if (seen.matchedAt >= seen.periodStart) seen.mismatches = 0;
		return;
	}
	const count = seen.mismatches;
	seen.mismatches = 0;
	warnAtMostOnceAMinute(
		context,
		'secret',
		`rejected ${count} signed requests with 401 no_matching_signature in ${Math.round((now - seen.periodStart) / 1000)} s, and none matched the key: ${verifyFailureMessage(verified)}`,
	);
}
