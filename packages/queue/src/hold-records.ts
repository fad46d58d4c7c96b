import { Message, type Clock, type LogBus, type SmtpResponse, type SpoolRecord } from '@mtakit/core';
import { publishOrReport, type FaultReport } from './faults.js';
import { messageRecord } from './records.js';
import type { StoredRecord } from './spool/spool-reads.js';

export interface HoldRecordDeps {
  log: LogBus;
  clock: Clock;
  nodeId: string;
  report: FaultReport;
  /** The message's record without its data, or undefined when it is gone (then nothing is logged). */
  load(id: string): Promise<StoredRecord | undefined>;
  track(work: Promise<unknown>): void;
}

/**
 * TransientFailure records for messages a suspension or a throttle keeps back (KumoMTA logs
 * these as 451 4.4.x): one per message per state, however often the queue looks at the message
 * meanwhile. A suspension moves what it holds to its end, so `record` needs no memory; a throttle
 * hands the message back again and again, so `held` remembers the state per message until `moved`
 * (taken by a ready queue, bounced, expired).
 */
export class HoldRecords {
  readonly #deps: HoldRecordDeps;
  /** Message id → the state last logged for it. */
  readonly #state = new Map<string, string>();

  constructor(deps: HoldRecordDeps) {
    this.#deps = deps;
  }

  /** How many messages are being kept back (for tests and metrics). */
  get size(): number {
    return this.#state.size;
  }

  /** Logs the record unless this message was already logged in this state. */
  held(id: string, queue: string, state: string, response: SmtpResponse): void {
    if (this.#state.get(id) === state) return;
    this.#state.set(id, state);
    this.record(id, queue, response);
  }

  /** Logs the record; the caller guarantees it happens once per state (a suspension's hold). */
  record(id: string, queue: string, response: SmtpResponse): void {
    this.#deps.track(this.#deps.load(id).then((stored) => stored && this.#publish(stored.record, stored.size, queue, response)));
  }

  /** Logs the record for a message whose record is in hand (recovery), once per state as `record`. */
  recordOf(record: SpoolRecord, size: number, queue: string, response: SmtpResponse): void {
    this.#deps.track(this.#publish(record, size, queue, response));
  }

  #publish(record: SpoolRecord, size: number, queue: string, response: SmtpResponse): Promise<void> {
    const { log, clock, nodeId, report } = this.#deps;
    const message = new Message({ id: record.id, sender: record.sender, recipient: record.recipient, meta: record.meta, numAttempts: record.numAttempts, due: record.due });
    return publishOrReport(log, messageRecord('TransientFailure', message, { queue, response, nodeId, now: clock.now(), size }), report);
  }

  moved(id: string): void {
    this.#state.delete(id);
  }
}
