import type { DeliveryProtocol, Message, PeerAddress, SmtpResponse } from '@mtakit/core';
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

export class ChannelError extends Error {
  constructor(
    message: string,
    readonly response: SmtpResponse,
    readonly transcript: string[] = [],
  ) {
    super(message);
    this.name = 'ChannelError';
  }
}
