import type { AcceptedMessage, AcceptMessages } from '../contracts/accepted.js';
import type { PreSendHook } from '../contracts/presend.js';
import { SmtpReplyError } from '../errors.js';
import type { Message } from '../message/message.js';
import type { MtaMetrics } from '../metrics/index.js';

export interface ReceptionOptions {
  /** Stores the messages durably; the reply to the client waits for it. */
  accept: AcceptMessages;
  /** Pre-send risk check (stage 2). `reject` refuses with 550 5.7.1; `hold` marks the message held. */
  preSend?: PreSendHook | undefined;
  metrics?: MtaMetrics | undefined;
}

/** Meta key of a held message (pre-send `hold`): `{ score, threshold, actions }`, until released. */
export const HOLD_META = 'hold';

/**
 * The one reception pipeline SMTP ingress and HTTP injection share, in this order: the listener's
 * policy event (`smtp_server_message_received` / `http_message_generated`), the pre-send check,
 * the hold marker, then — for the whole transaction or request — `accept` (durable, after which
 * the queue logs the Reception record) and the received count.
 */
export class ReceptionPipeline {
  readonly #options: ReceptionOptions;

  constructor(options: ReceptionOptions) {
    this.#options = options;
  }

  /** Policy, pre-send and hold marker for one message; throws an SmtpReplyError to refuse it. */
  async admit(message: Message, reception: 'ESMTP' | 'HTTP', policyEvent: () => unknown): Promise<AcceptedMessage> {
    await policyEvent();
    const preSend = this.#options.preSend;
    if (!preSend) return { message, verdict: undefined };
    const verdict = await preSend.evaluate(message, { tenant: message.metaString('tenant'), campaign: message.metaString('campaign'), reception });
    if (verdict.verdict === 'reject') throw new SmtpReplyError(550, '5.7.1', `Message refused by pre-send policy (risk score ${verdict.score})`);
    if (verdict.verdict === 'hold') message.setMeta(HOLD_META, { score: verdict.score, threshold: verdict.threshold, actions: verdict.actions });
    return { message, verdict };
  }

  /** Makes the admitted messages durable and counts them under `service`. */
  async commit(accepted: AcceptedMessage[], service: string): Promise<void> {
    if (accepted.length === 0) return;
    await this.#options.accept(accepted);
    this.#options.metrics?.received.inc({ service }, accepted.length);
  }
}
