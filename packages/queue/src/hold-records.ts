import type { Clock, LogBus, Message, SmtpResponse } from '@mtakit/core';
import { publishOrReport, type FaultReport } from './faults.js';
import { messageRecord } from './records.js';

export interface HoldRecordDeps {
  log: LogBus;
  clock: Clock;
  nodeId: string;
  report: FaultReport;
  /** The message, or undefined when it is gone (then nothing is logged). */
  load(id: string): Promise<Message | undefined>;
  track(work: Promise<unknown>): void;
}

/**
 * TransientFailure records for messages a suspension or a throttle keeps back (KumoMTA logs
 * these as 451 4.4.x): one per message per state — a suspension, a ready-queue suspension, one
 * throttle — however often the queue looks at the message meanwhile. `moved` forgets a message
 * once it leaves that state (taken by a ready queue, bounced, expired).
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

  held(id: string, queue: string, state: string, response: SmtpResponse): void {
    if (this.#state.get(id) === state) return;
    this.#state.set(id, state);
    const { log, clock, nodeId, report } = this.#deps;
    this.#deps.track(this.#deps.load(id).then((message) => {
      if (!message) return undefined;
      return publishOrReport(log, messageRecord('TransientFailure', message, { queue, response, nodeId, now: clock.now() }), report);
    }));
  }

  moved(id: string): void {
    this.#state.delete(id);
  }
}
