/**
 * Whether a verified delivery runs the workflow, or is a redelivery of what this node already
 * handed to n8n: the production URL's requests claim their message in the node's
 * RedeliveryGuard (redeliveryGuard.ts), and the claim is settled by n8n's answer to the delivery.
 */
import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { answerYourself, type Answer } from './answers';
import { monotonicNow } from './clock';
import type { Acknowledge, TriggerOptions } from './options';
import { guardKey, redeliveryGuardFor, type Settle } from './redeliveryGuard';

type Response = ReturnType<IWebhookFunctions['getResponseObject']>;

/** The Redelivery Window (0: accepted ids are not remembered), the Timestamp Tolerance (a signed request is remembered for twice as long) and Acknowledge. */
export type RedeliveryOptions = Pick<TriggerOptions, 'redeliveryWindowMinutes' | 'toleranceSeconds' | 'acknowledge'>;

/**
 * Claims the delivery's message `id` (signed at `timestamp`, unix seconds) for a new execution. Returns the
 * answer for a redelivery, a replay or a copy in flight; `undefined` when this delivery runs the
 * workflow (its claim is then settled when n8n answers it). The test URL never claims: each
 * test event runs.
 */
export function claimDelivery(
	context: IWebhookFunctions,
	{ id, timestamp }: { id: string; timestamp: number },
	options: RedeliveryOptions,
): IWebhookResponseData | undefined {
	if (context.getMode() === 'manual') return undefined;
	const guard = redeliveryGuardFor(guardKey(context.getWorkflow().id, context.getNode().id));
	const bounds = { windowMs: options.redeliveryWindowMinutes * 60_000, replayMs: 2 * options.toleranceSeconds * 1000 };
	const claim = guard.claim(id, timestamp, bounds, monotonicNow());
	switch (claim.status) {
		case 'new':
			settleOnAnswer(context.getResponseObject(), claim.settle, options.acknowledge);
			return undefined;
		case 'accepted':
			return duplicate({
				status: 'duplicate',
				reason: 'already_accepted',
				message: `Message ${id} was already accepted at ${claim.acceptedAt.toISOString()}; the workflow is not run again.`,
			});
		case 'replayed':
			return duplicate({
				status: 'duplicate',
				reason: 'replayed_request',
				message: `This signed request (message ${id}) was already accepted at ${claim.acceptedAt.toISOString()}; a copy of it never runs the workflow again. To run the event again, replay it from Anon's Event Log (it is then signed afresh).`,
			});
		case 'in_flight':
			// Answering 2xx here would let Svix mark the message delivered even if the first
			// delivery then fails; a non-2xx makes Svix retry, and the retry gets a clear answer.
			return answerYourself(context, 409, {
				status: 'retry_later',
				reason: 'delivery_in_progress',
				message: `Message ${id} is being handled by another request right now; retry later.`,
			});
	}
}

const duplicate = (answer: Answer): IWebhookResponseData => ({ webhookResponse: answer });

/**
 * Settles a claim once n8n has answered the delivery that holds it: a 2xx keeps the id as
 * accepted, anything else releases it so the retry runs the workflow. n8n writes every answer
 * through `response.end()`, also after the sender has hung up (the bytes then go nowhere, but
 * the status n8n chose is set), so that call is where the answer is read.
 *
 * When Received, a sender that hangs up before n8n's answer does not undo the hand-over: the
 * execution exists, so its retry is a duplicate (unless n8n's late answer is a non-2xx). When
 * the Workflow Finishes, the id stays in flight until n8n answers with the run's outcome.
 */
function settleOnAnswer(response: Response, settle: Settle, acknowledge: Acknowledge): void {
	const end = response.end;
	response.end = function (this: Response, ...args: Parameters<Response['end']>) {
		response.end = end;
		settle(response.statusCode < 300);
		return end.apply(this, args);
	} as Response['end'];
	if (acknowledge === 'onReceived') {
		onClose(response, () => {
			if (response.end !== end) settle(true);
		});
	}
}

/** Runs `listener` once the response is closed: now, if it already is (an event never repeats). */
function onClose(response: Response, listener: () => void): void {
	if (response.destroyed) listener();
	else response.once('close', listener);
}
