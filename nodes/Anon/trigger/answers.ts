/**
 * What the Anon Trigger answers a delivery: JSON `{ status, reason, message }`, which Anon's
 * dashboard shows under the endpoint's *Message Attempts*. The README's "What the trigger answers"
 * table documents every status and reason as a contract (test/trigger/answers.test.js holds
 * the table to these lists).
 */
import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { quoted } from '../shared/text';
import { warnAtMostOnceAMinute } from './logLimiter';
import type { InvalidOption } from './options';
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
	/** 401 (verification), 409 (a copy of a request whose run failed), 415 (type, encoding) or 500: nothing runs. */
	rejected: [...VERIFY_FAILURE_REASONS, 'replayed_request', 'unsupported_content_type', 'unsupported_content_encoding', 'invalid_option', 'endpoint_misconfigured'],
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

/**
 * 415 for a body n8n left unread, without reading it. `Connection: close` makes Node's HTTP
 * server close the socket once the answer is written, instead of draining whatever the sender
 * still trickles in to keep the connection alive.
 */
export function refuseUnreadBody(context: IWebhookFunctions, contentType: string | undefined): IWebhookResponseData {
	const received = contentType
		? `Content-Type "${contentType.length > 100 ? `${contentType.slice(0, 100)}…` : contentType}"`
		: 'no Content-Type';
	context.logger.debug(`Anon Trigger refused a request with ${received} (unsupported_content_type)`);
	context.getResponseObject().setHeader('Connection', 'close');
	return answerYourself(context, 415, {
		status: 'rejected',
		reason: 'unsupported_content_type',
		message: `The request has ${received}; Anon (Svix) sends its events as application/json, the only type this trigger accepts.`,
	});
}

/**
 * 415 for a request that came compressed (`Content-Encoding`): Anon's deliveries never are
 * (the reference lists their headers), so something between Anon and n8n compressed it, or it is
 * not from Anon. n8n (2.41.1) has already inflated a gzip or deflate body by now; the proxy is
 * where that cost is refused (docs/reverse-proxy.md). The value is quoted short, never read.
 */
export function refuseEncodedBody(context: IWebhookFunctions, encoding: string): IWebhookResponseData {
	const shown = quoted(encoding, 40);
	context.logger.debug(`Anon Trigger refused a request with Content-Encoding "${shown}" (unsupported_content_encoding)`);
	context.getResponseObject().setHeader('Connection', 'close');
	return answerYourself(context, 415, {
		status: 'rejected',
		reason: 'unsupported_content_encoding',
		message: `The request has Content-Encoding "${shown}"; Anon (Svix) sends its events uncompressed. Let requests through unchanged between Anon and n8n.`,
	});
}

/**
 * 500 for an option n8n handed over that the trigger cannot use safely. The options are checked
 * before the signature (the tolerance is one of them), so the caller may be anyone: the answer
 * names no option and no value, like endpoint_misconfigured; which option and what it must hold
 * go to n8n's log.
 */
export function refuseInvalidOption(context: IWebhookFunctions, invalid: InvalidOption): IWebhookResponseData {
	warnAtMostOnceAMinute(context, `options/${context.getNode().id}`, `refuses every request with 500 invalid_option: ${invalid.message}`);
	return answerYourself(context, 500, {
		status: 'rejected',
		reason: 'invalid_option',
		message: "This n8n endpoint cannot handle requests: an option of its Anon Trigger needs attention. The n8n operator finds which one in n8n's log.",
	});
}

/**
 * 500 for a credential that cannot be read or holds no usable secret. Anyone who knows the URL
 * can call it, so the answer says only that the endpoint needs attention; the detail (n8n's
 * decryption message, what is wrong with the secret, never the secret) goes to n8n's log, at
 * most once a minute per workflow and credential.
 */
export function refuseMisconfigured(context: IWebhookFunctions, detail: string): IWebhookResponseData {
	const node = context.getNode();
	warnAtMostOnceAMinute(
		context,
		`credential/${node.credentials?.anonWebhookApi?.id ?? `node ${node.id}`}`,
		`cannot verify requests and answers them 500 endpoint_misconfigured: ${detail}`,
	);
	return answerYourself(context, 500, {
		status: 'rejected',
		reason: 'endpoint_misconfigured',
		message: "This n8n endpoint cannot verify requests: its Anon Trigger credential needs attention. The n8n operator finds the details in n8n's log.",
	});
}
