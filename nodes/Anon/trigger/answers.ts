/**
 * Every answer the Anon Trigger gives, built and written here: the HTTP status, the JSON body
 * `{ status, reason, message }` that Anon's dashboard shows under the endpoint's *Message
 * Attempts*, and what n8n's log hears of it. It reads as the README's "What the trigger answers"
 * table, which documents every status and reason as a contract (test/answers.test.js
 * holds the table to ANSWER_REASONS, and holds every answer body to this file).
 *
 * A step of the request path that stops a delivery throws a `Stop` carrying its `Answer`;
 * `webhook()` catches it once and writes it with `writeAnswer`. Only the accepted answer goes out
 * with the execution (`acceptedBody`).
 */
import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { quoted } from '../shared/text';
import { warnAtMostOnceAMinute } from './logLimiter';
import { MAX_MESSAGE_ID_LENGTH, MAX_SIGNATURE_ENTRIES, MAX_V1A_SIGNATURES, VERIFY_FAILURE_REASONS, type VerifyFailure } from './verifySignature';

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

/** The 401 reasons, which verifySignature.ts names: re-exported so that the answers are read from one place. */
export { VERIFY_FAILURE_REASONS };

/** A body with a reason, by status: a status is only ever given with one of its reasons. */
export type AnswerBody = {
	[S in Exclude<AnswerStatus, 'accepted'>]: { status: S; reason: (typeof ANSWER_REASONS)[S][number]; message: string };
}[Exclude<AnswerStatus, 'accepted'>];

export type AcceptedBody = { status: 'accepted'; message: string };

/** What n8n's log hears of an answer: a debug line, or a warning written at most once a minute per workflow and topic. */
type LogPolicy = { level: 'debug'; line: string } | { level: 'warn'; topic: string; line: string };

/** An answer that stops a delivery. */
export interface Answer {
	/** 200 is written by n8n (`webhookResponse`); any other status by the node itself, since n8n's own answers are always 200. */
	httpStatus: number;
	body: AnswerBody;
	/** `Connection: close`, for a body nobody read: Node's server then closes the socket instead of draining what the sender still trickles in. */
	closeConnection?: true;
	log?: LogPolicy;
}

/** Thrown by a step that stops the delivery, and caught once, by `webhook()`. Not an Error: a stop is an answer, not a fault, and costs no stack trace. */
export class Stop {
	constructor(readonly answer: Answer) {}
}

/** Writes the answer a step stopped with; anything thrown that is not a `Stop` is a fault, and goes on to n8n. */
export function writeAnswer(context: IWebhookFunctions, thrown: unknown): IWebhookResponseData {
	if (!(thrown instanceof Stop)) throw thrown;
	const { httpStatus, body, closeConnection, log } = thrown.answer;
	if (log?.level === 'debug') context.logger.debug(log.line);
	else if (log) warnAtMostOnceAMinute(context, log.topic, log.line);
	if (httpStatus === 200) return { webhookResponse: body };
	const response = context.getResponseObject();
	if (closeConnection) response.setHeader('Connection', 'close');
	response.status(httpStatus).json(body);
	return { noWebhookResponse: true };
}

// 200, the workflow runs.

export const acceptedBody = (eventId: string): AcceptedBody => ({ status: 'accepted', message: `Anon event ${eventId} started the workflow.` });

// 415 and 500: before the signature is read.

/** A body n8n left unread (not application/json), refused without reading it. */
export function unreadBody(contentType: string | undefined): Answer {
	const received = contentType
		? `Content-Type "${contentType.length > 100 ? `${contentType.slice(0, 100)}…` : contentType}"`
		: 'no Content-Type';
	return {
		httpStatus: 415,
		closeConnection: true,
		log: { level: 'debug', line: `Anon Trigger refused a request with ${received} (unsupported_content_type)` },
		body: {
			status: 'rejected',
			reason: 'unsupported_content_type',
			message: `The request has ${received}; Anon (Svix) sends its events as application/json, the only type this trigger accepts.`,
		},
	};
}

/**
 * A request that came compressed (`Content-Encoding`): Anon's deliveries never are (the reference
 * lists their headers), so something between Anon and n8n compressed it, or it is not from Anon.
 * n8n (2.41.1) has already inflated a gzip or deflate body by now; the proxy is where that cost
 * is refused (docs/reverse-proxy.md). The value is quoted short, never read.
 */
export function encodedBody(encoding: string): Answer {
	const shown = quoted(encoding, 40);
	return {
		httpStatus: 415,
		closeConnection: true,
		log: { level: 'debug', line: `Anon Trigger refused a request with Content-Encoding "${shown}" (unsupported_content_encoding)` },
		body: {
			status: 'rejected',
			reason: 'unsupported_content_encoding',
			message: `The request has Content-Encoding "${shown}"; Anon (Svix) sends its events uncompressed. Let requests through unchanged between Anon and n8n.`,
		},
	};
}

/**
 * An option n8n handed over that the trigger cannot use safely. The options are checked before
 * the signature (the tolerance is one of them), so the caller may be anyone: the answer names no
 * option and no value, like endpoint_misconfigured; which option and what it must hold go to n8n's log.
 */
export function invalidOption(problem: string, nodeId: string): Answer {
	return {
		httpStatus: 500,
		log: { level: 'warn', topic: `options/${nodeId}`, line: `refuses every request with 500 invalid_option: ${problem}` },
		body: {
			status: 'rejected',
			reason: 'invalid_option',
			message: "This n8n endpoint cannot handle requests: an option of its Anon Trigger needs attention. The n8n operator finds which one in n8n's log.",
		},
	};
}

/**
 * A credential that cannot be read or holds no usable secret. Anyone who knows the URL can call
 * it, so the answer says only that the endpoint needs attention; the detail (n8n's decryption
 * message, what is wrong with the secret, never the secret) goes to n8n's log, at most once a
 * minute per workflow and `credential` (its id, or the node's when it has none).
 */
export function endpointMisconfigured(detail: string, credential: string): Answer {
	return {
		httpStatus: 500,
		log: { level: 'warn', topic: `credential/${credential}`, line: `cannot verify requests and answers them 500 endpoint_misconfigured: ${detail}` },
		body: {
			status: 'rejected',
			reason: 'endpoint_misconfigured',
			message: "This n8n endpoint cannot verify requests: its Anon Trigger credential needs attention. The n8n operator finds the details in n8n's log.",
		},
	};
}

// 401: verification failed. What the log hears of it is the verification step's (verifyDelivery.ts).

export const unverified = (failure: VerifyFailure): Answer => ({
	httpStatus: 401,
	body: { status: 'rejected', reason: failure.reason, message: verifyFailureMessage(failure) },
});

/** What a failed verification tells the sender and the operator: what is wrong, and what to check. */
export function verifyFailureMessage(failure: VerifyFailure): string {
	switch (failure.reason) {
		case 'missing_headers': {
			const { missing } = failure;
			return `Missing ${missing.join(', ')} header${missing.length > 1 ? 's' : ''}. Anon (through Svix) sends svix-id, svix-timestamp and svix-signature (or the webhook-* equivalents); requests without them are not from Anon, or a proxy dropped the headers.`;
		}
		case 'invalid_header':
			return invalidHeaderMessage(failure);
		case 'invalid_timestamp':
			return `The ${failure.header} header must be a whole number of seconds since 1970 (unix time).`;
		case 'no_supported_signature':
			return noSupportedSignatureMessage(failure);
		case 'no_matching_signature': {
			const { candidates, wanted, header } = failure;
			return `None of the ${candidates} ${wanted} signature${candidates > 1 ? 's' : ''} in ${header} matches this body. Check that the n8n credential holds the signing secret of this very endpoint (each Anon endpoint has its own; after a rotation use the new one), and that no proxy rewrites the request body.`;
		}
		case 'timestamp_too_old':
			return `The ${failure.header} is ${failure.seconds} s older than this server's clock (tolerance ${failure.tolerance} s). Replayed requests are refused; if this is a real delivery, check the n8n server's clock (NTP) or raise "Timestamp Tolerance".`;
		case 'timestamp_too_new':
			return `The ${failure.header} is ${failure.seconds} s ahead of this server's clock (tolerance ${failure.tolerance} s). Check the n8n server's clock (NTP) or raise "Timestamp Tolerance".`;
	}
	return failure satisfies never;
}

function invalidHeaderMessage(failure: Extract<VerifyFailure, { reason: 'invalid_header' }>): string {
	switch (failure.problem) {
		case 'repeated':
			return `The ${failure.headers.join(', ')} headers must each appear once.`;
		case 'id_too_long':
			return `The ${failure.header} header is longer than ${MAX_MESSAGE_ID_LENGTH} characters; Svix message ids are short (msg_…).`;
		case 'too_many_signatures':
			return `The ${failure.header} header holds more than ${MAX_SIGNATURE_ENTRIES} signatures; at most ${MAX_SIGNATURE_ENTRIES} are read.`;
		case 'too_many_v1a':
			return `The ${failure.header} header holds ${failure.count} v1a signatures; a key rotation needs at most ${MAX_V1A_SIGNATURES}, and no more are verified.`;
	}
}

function noSupportedSignatureMessage({ header, wanted, found }: Extract<VerifyFailure, { reason: 'no_supported_signature' }>): string {
	const holds = found.length > 0 ? `it holds only ${found.map((v) => `"${v}"`).join(', ')}` : 'it holds no signature';
	if (wanted === 'v1' && found.includes('v1a')) {
		return `The ${header} header carries no v1 signature (${holds}). The request is signed with an asymmetric key: put the endpoint's public key (whpk_…) in the n8n credential.`;
	}
	if (wanted === 'v1a' && found.includes('v1')) {
		return `The ${header} header carries no v1a signature (${holds}). The request is signed with a shared secret: put the endpoint's signing secret (whsec_…) in the n8n credential.`;
	}
	return `The ${header} header carries no ${wanted} signature (${holds}); expected "${wanted},<base64>".`;
}

// 200, verified but nothing to run.

const ignored = (reason: (typeof ANSWER_REASONS.ignored)[number], message: string): Answer => ({ httpStatus: 200, body: { status: 'ignored', reason, message } });

export const ping = () => ignored('ping', 'Verified svix.ping test message; the signing secret is right. No workflow was run.');
export const notAnEvent = (problem: string) => ignored('not_an_event', `${problem} Only "All Events" runs the workflow for such payloads.`);
export const eventTypeNotSelected = (type: string) => ignored('event_type_not_selected', `Event type "${quoted(type)}" is not selected in this Anon Trigger; no workflow was run.`);
export const testJobRun = () => ignored('test_job_run', 'Job run marked isTest, ignored by the "Ignore Test Job Runs" option.');

// Redeliveries: the message (`id`) this node already handed to n8n, at `acceptedAt`.

export const alreadyAccepted = (id: string, acceptedAt: Date): Answer => ({
	httpStatus: 200,
	body: { status: 'duplicate', reason: 'already_accepted', message: `Message ${id} was already accepted at ${acceptedAt.toISOString()}; the workflow is not run again.` },
});

export const replayedRequest = (id: string, acceptedAt: Date): Answer => ({
	httpStatus: 200,
	body: {
		status: 'duplicate',
		reason: 'replayed_request',
		message: `This signed request (message ${id}) was already accepted at ${acceptedAt.toISOString()}; a copy of it never runs the workflow again. To run the event again, replay it from Anon's Event Log (it is then signed afresh).`,
	},
});

/** A copy of a request whose run failed: 409, so that Anon keeps retrying (its retries are signed afresh, and run). */
export const replayedFailedRequest = (id: string, acceptedAt: Date): Answer => ({
	httpStatus: 409,
	body: {
		status: 'rejected',
		reason: 'replayed_request',
		message: `This signed request (message ${id}) was already handed to n8n at ${acceptedAt.toISOString()} and its run did not succeed; a copy of it never runs the workflow again. Anon's next retry is signed afresh and runs it.`,
	},
});

/**
 * A copy while the first delivery is being answered. 2xx here would let Svix mark the message
 * delivered even if the first delivery then fails; a non-2xx makes Svix retry, and the retry
 * gets a clear answer.
 */
export const deliveryInProgress = (id: string): Answer => ({
	httpStatus: 409,
	body: { status: 'retry_later', reason: 'delivery_in_progress', message: `Message ${id} is being handled by another request right now; retry later.` },
});
