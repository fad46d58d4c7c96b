import { MtaKitError, type DeliveryProtocol, type Message, type PeerAddress, type SmtpResponse } from '@mtakit/core';
import type { TlsInfo } from '@mtakit/core/egress';

/** What one delivery attempt produced. */
export interface AttemptResult {
  response: SmtpResponse;
  /** SMTP conversation of the attempt, when the protocol has one. */
  transcript?: string[];
}

/**
 * An open path to a destination that messages are handed to: an SMTP connection, a maildir, a
 * custom TypeScript function. `deliver` takes one message, or several copies of one message (same
 * sender and data, one recipient each) to send in one transaction where the protocol allows, and
 * returns one result per message. Remote rejections are results; `deliver` throws only when the
 * channel itself broke, and then `usable` is false.
 */
export interface DeliveryChannel {
  readonly protocol: DeliveryProtocol;
  readonly peer: PeerAddress | null;
  readonly tls: TlsInfo | null;
  readonly usable: boolean;
  deliver(messages: readonly Message[]): Promise<AttemptResult[]>;
  /** Ends the channel; a returned promise resolves when the connection is gone. */
  close(): Promise<void> | void;
}

/** Opens channels for one ready queue. Throws a `ChannelOpenError` when it cannot. */
export interface Transport {
  open(): Promise<DeliveryChannel>;
}

/** A connection-level failure: every message of the transaction gets `response` as its outcome. */
export class ChannelError extends MtaKitError {
  constructor(
    message: string,
    readonly response: SmtpResponse,
    readonly transcript: string[] = [],
    options: { cause?: unknown } = {},
  ) {
    // The session's own code (E_TLS, E_SMTP_REPLY…) when there is one.
    super(options.cause instanceof MtaKitError ? options.cause.code : 'E_CONNECTION', message, options);
    this.name = 'ChannelError';
  }
}
