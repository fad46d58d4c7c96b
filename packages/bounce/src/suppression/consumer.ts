import { forRecordTypes, type LogConsumer, type LogRecord, type LogRecordType } from '@mtakit/core';
import { isLive, outlasts, type SuppressionEntry } from './entry.js';
import type { SuppressionPolicy } from './policy.js';
import type { SuppressionStore } from './store.js';

export interface SuppressionConsumerOptions {
  /** Called for each entry added (metrics, webhooks, a log line). */
  onSuppress?: (entry: SuppressionEntry, record: LogRecord) => void;
  /**
   * A store failure. The consumer never throws into the log bus: a record that could not update
   * the list must not fail the delivery that produced it. Default: ignored.
   */
  onError?: (error: unknown, record: LogRecord) => void;
}

const RELEVANT_TYPES: readonly LogRecordType[] = ['Bounce', 'TransientFailure', 'OOB', 'Feedback'];
const RELEVANT: ReadonlySet<string> = new Set(RELEVANT_TYPES);

/**
 * A log consumer that keeps the list up to date from Bounce, TransientFailure, OOB and Feedback
 * records (`log.subscribe(suppressionConsumer(store, policy))`). It names those types
 * (`recordTypes`), so the log bus does not call it for the others; called directly with another
 * record it returns at once without a promise. An existing entry
 * that already lasts at least as long is left as it is.
 */
export function suppressionConsumer(store: SuppressionStore, policy: SuppressionPolicy, options: SuppressionConsumerOptions = {}): LogConsumer {
  const apply = async (record: LogRecord): Promise<void> => {
    try {
      const decision = policy.decide(record);
      if (decision.action === 'none') return;
      if (decision.action === 'count-soft') {
        const count = await store.countSoftBounce(decision.key, decision.messageId, decision.at, decision.windowMs);
        if (count < decision.threshold) return;
      }
      const entry = decision.entry;
      const existing = await store.get(entry);
      if (existing && isLive(existing, entry.created) && outlasts(existing, entry)) return;
      await store.put([entry]);
      options.onSuppress?.(entry, record);
    } catch (error) {
      options.onError?.(error, record);
    }
  };
  return forRecordTypes(RELEVANT_TYPES, (record) => (RELEVANT.has(record.type) ? apply(record) : undefined));
}
