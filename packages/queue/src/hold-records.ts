import { internalResponse, Message, type Clock, type LogBus, type LogRecord, type SmtpResponse, type SpoolRecord } from '@mtakit/core';
import { publishAllOrReport, publishOrReport, type FaultReport } from './faults.js';
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
  /** Hold records the log's consumers are still taking, waited for by one task (see recordOf). */
  readonly #writing: Array<Promise<void>> = [];

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

  /**
   * Logs the record for a message in hand (an enqueue's) or whose record is (recovery), once per
   * state as `record`. A restart logs up to a million of these in a row: each is published at once
   * (no promise while the log's consumers take records synchronously), and what the consumers are
   * still writing is tracked as one task per turn, not a promise each.
   */
  recordOf(source: Message | SpoolRecord, size: number, queue: string, response: SmtpResponse): void {
    const writing = publishAllOrReport(this.#deps.log, [this.#recordFor(source, size, queue, response)], this.#deps.report);
    if (!writing) return;
    this.#writing.push(writing);
    if (this.#writing.length === 1) this.#deps.track(Promise.resolve().then(() => Promise.all(this.#writing.splice(0))));
  }

  #publish(record: SpoolRecord, size: number, queue: string, response: SmtpResponse): Promise<void> {
    return publishOrReport(this.#deps.log, this.#recordFor(record, size, queue, response), this.#deps.report);
  }

  #recordFor(source: Message | SpoolRecord, size: number, queue: string, response: SmtpResponse): LogRecord {
    const { clock, nodeId } = this.#deps;
    const message = source instanceof Message ? source : new Message({ id: source.id, sender: source.sender, recipient: source.recipient, meta: source.meta, numAttempts: source.numAttempts, due: source.due });
    return messageRecord('TransientFailure', message, { queue, response, nodeId, now: clock.now(), size });
  }

  moved(id: string): void {
    this.#state.delete(id);
  }
}

const suspendedResponses = new WeakMap<object, { reason: string; response: SmtpResponse }>();

/** The 451 of a suspended queue: one object per queue and reason (a restart logs a million holds with it). */
export function suspendedResponse(q: { name: string }, reason: string): SmtpResponse {
  const cached = suspendedResponses.get(q);
  if (cached?.reason === reason) return cached.response;
  const response = internalResponse(451, '4.4.4', `scheduled queue ${q.name} is suspended: ${reason}`);
  suspendedResponses.set(q, { reason, response });
  return response;
}
