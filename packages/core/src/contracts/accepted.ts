import type { Message } from '../message/message.js';
import type { PreSendResult } from './presend.js';

/** A message accepted by a listener (SMTP or HTTP), with what the pre-send hook said of it. */
export interface AcceptedMessage {
  message: Message;
  verdict: PreSendResult | undefined;
}

/** Stores the messages of one transaction durably; the 250 / HTTP 200 reply waits for it. */
export type AcceptMessages = (messages: AcceptedMessage[]) => Promise<void>;
