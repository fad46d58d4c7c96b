import { queueNameFor, type Message } from '@mtakit/core';

/** Meta key marking a held message (pre-send hold); its value says why. */
export const HOLD_META = 'hold';

/**
 * Meta key grouping byte-identical copies of one transaction (same queue, sender and data) so a
 * dispatcher can send them as one SMTP transaction with several recipients.
 */
export const BATCH_META = 'batch_id';

/** Marks the copies of one transaction that can travel together (see BATCH_META). */
export function markBatches(messages: readonly Message[]): void {
  const firsts = new Map<string, Message>();
  for (const m of messages) {
    if (!m.hasData) continue;
    const key = `${queueNameFor(m.meta, m.recipientDomain)}\0${m.sender}`;
    const first = firsts.get(key);
    if (!first) {
      firsts.set(key, m);
      continue;
    }
    if (!first.getData().equals(m.getData())) continue;
    first.setMeta(BATCH_META, first.id);
    m.setMeta(BATCH_META, first.id);
  }
}
