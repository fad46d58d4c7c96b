import { domainOf, queueNameFor, type Message, type SpoolRecord } from '@mtakit/core';

/**
 * The scheduled queue a message belongs in (`campaign:tenant@domain!routing_domain`), from its meta
 * and recipient: the one place the queue computes it, for new, recovered and rebound messages.
 */
export function queueOfMessage(message: Pick<Message, 'meta' | 'recipient'>): string {
  return queueNameFor(message.meta, domainOf(message.recipient));
}

export function queueOfRecord(record: Pick<SpoolRecord, 'meta' | 'recipient'>): string {
  return queueNameFor(record.meta, domainOf(record.recipient));
}
