/**
 * Whether a verified delivery runs the workflow, or is a redelivery of what this node already
 * handed to n8n: the production URL's requests claim their message in the node's
 * RedeliveryGuard (redeliveryGuard.ts), and the claim is settled by n8n's answer to the delivery.
 */
import type { IWebhookFunctions } from 'n8n-workflow';

import { alreadyAccepted, deliveryInProgress, replayedFailedRequest, replayedRequest, Stop } from './answers';
import { monotonicNow } from './clock';
import type { TriggerOptions } from './options';
import { guardKey, IN_FLIGHT_LIMIT_MS, redeliveryGuardFor, type Settle } from './redeliveryGuard';

type Response = ReturnType<IWebhookFunctions['getResponseObject']>;

/** The Redelivery Window (0: accepted ids are not remembered) and Acknowledge. */
export type RedeliveryOptions = Pick<TriggerOptions, 'redeliveryWindowMinutes' | 'acknowledge'>;

/**
 * How long n8n may take to answer a *When Received* delivery whose sender has hung up before the
 * id is taken as accepted: three times n8n's default wait for a database connection
 * (DB_POSTGRESDB_CONNECTION_TIMEOUT, 20 s in n8n 2.41.1's @n8n/config), the usual reason creating
 * an execution fails. Until then a retry gets 409, so an execution n8n fails to create is never
 * acknowledged. *When the Workflow Finishes* waits for the run's outcome, up to IN_FLIGHT_LIMIT_MS.
 */
export const RECEIVED_ANSWER_LIMIT_MS = 60_000;

/**
 * Claims the delivery's message `id` (signed at `timestamp`, unix seconds) for a new execution,
 * or stops a redelivery, a replay or a copy in flight with its answer. A claimed delivery runs
 * the workflow; its claim is settled when n8n answers it. A sender that already gave up (n8n was
 * busy) is no reason to stop: Anon retries only twice, and each retry may be late too. The test
 * URL never claims: each test event runs.
 */
export function claimDelivery(context: IWebhookFunctions, { id, timestamp }: { id: string; timestamp: number }, options: RedeliveryOptions): void {
	if (context.getMode() === 'manual') return;
	const guard = redeliveryGuardFor(guardKey(context.getWorkflow().id, context.getNode().id));
	const bounds = { windowMs: options.redeliveryWindowMinutes * 60_000 };
	const answerLimitMs = options.acknowledge === 'onReceived' ? RECEIVED_ANSWER_LIMIT_MS : IN_FLIGHT_LIMIT_MS;
	const claim = guard.claim(id, timestamp, bounds, monotonicNow(), answerLimitMs);
	switch (claim.status) {
		case 'new':
			settleOnAnswer(context.getResponseObject(), claim.settle, claim.senderGone);
			return;
		case 'accepted':
			if (claim.presumed) {
				context.logger.warn(
					`Anon Trigger "${context.getNode().name}" in workflow ${context.getWorkflow().id ?? ''}: n8n did not answer the delivery of message ${id} within ${RECEIVED_ANSWER_LIMIT_MS / 1000} s and its sender has gone; the message is taken as accepted so that it never runs twice. If no execution of it appears, replay it from Anon's Event Log.`,
				);
			}
			throw new Stop(alreadyAccepted(id, claim.acceptedAt));
		case 'replayed':
			throw new Stop(claim.failed ? replayedFailedRequest(id, claim.acceptedAt) : replayedRequest(id, claim.acceptedAt));
		case 'in_flight':
			throw new Stop(deliveryInProgress(id));
	}
}

/**
 * Settles a claim once n8n has answered the delivery that holds it: a 2xx keeps the id as
 * accepted, anything else releases it so the retry runs the workflow. n8n writes every answer
 * through `response.end()`, also after the sender has hung up (the bytes then go nowhere, but
 * the status n8n chose is set), so that call is where the answer is read. A sender that hangs up
 * first is recorded: the claim's answer limit then applies (RECEIVED_ANSWER_LIMIT_MS).
 */
function settleOnAnswer(response: Response, settle: Settle, senderGone: () => void): void {
	const end = response.end;
	response.end = function (this: Response, ...args: Parameters<Response['end']>) {
		response.end = end;
		settle(response.statusCode < 300);
		return end.apply(this, args);
	} as Response['end'];
	onClose(response, () => {
		if (response.end !== end) senderGone();
	});
}

/** Runs `listener` once the response is closed: now, if it already is (an event never repeats). */
function onClose(response: Response, listener: () => void): void {
	if (response.destroyed) listener();
	else response.once('close', listener);
}
