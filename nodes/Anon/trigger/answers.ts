/**
 * What the Anon Trigger answers a delivery: JSON `{ status, reason, message }`, which Anon's
 * dashboard shows in the endpoint's attempt log. The README's "What the trigger answers"
 * table documents every status and reason as a contract (test/trigger/answers.test.js holds
 * the table to these lists).
 */
import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { VERIFY_FAILURE_REASONS } from './verifySignature';

/** The reasons each status is given with; `accepted` carries none. */
export const ANSWER_REASONS = {
	/** 200, the workflow runs. */
	accepted: [],
	/** 200, verified but nothing to run. */
	ignored: ['event_type_not_selected', 'ping', 'test_job_run', 'not_an_event'],
	/** 200, a redelivery of what this node already accepted, or a copy of the same signed request. */
	duplicate: ['already_accepted', 'replayed_request'],
	/** 409, a copy arrived while the first delivery is being answered. */
	retry_later: ['delivery_in_progress'],
	/** 401 (verification), 415 or 500: nothing runs. */
	rejected: [...VERIFY_FAILURE_REASONS, 'unsupported_content_type', 'invalid_option', 'endpoint_misconfigured'],
} as const;

export type AnswerStatus = keyof typeof ANSWER_REASONS;
export type IgnoredReason = (typeof ANSWER_REASONS.ignored)[number];

/** An answer with a reason, by status: a status is only ever given with one of its reasons. */
export type Answer = {
	[S in Exclude<AnswerStatus, 'accepted'>]: { status: S; reason: (typeof ANSWER_REASONS)[S][number]; message: string };
}[Exclude<AnswerStatus, 'accepted'>];

export type AcceptedAnswer = { status: 'accepted'; message: string };

/** Writes a non-2xx answer directly: n8n's own answers are always 200. */
export function answerYourself(context: IWebhookFunctions, statusCode: number, answer: Answer): IWebhookResponseData {
	context.getResponseObject().status(statusCode).json(answer);
	return { noWebhookResponse: true };
}

/** 200 without an execution, with a body Anon's dashboard shows under *Message Attempts*. */
export function ignore(reason: IgnoredReason, message: string): IWebhookResponseData {
	return { webhookResponse: { status: 'ignored', reason, message } satisfies Answer };
}
