import { MtaKitError, spoolRecordOf, type Message, type Spool, type SpoolRecord, type Timers } from '@mtakit/core';
import type { FaultReport } from '../faults.js';

/** A message's latest record and the size of its data, read without the data. */
export interface StoredRecord {
  record: SpoolRecord;
  size: number;
}

/** A spool that can read a message's record without its data (DiskSpool, MemorySpool). */
export interface RecordSpool extends Spool {
  loadRecord(id: string): Promise<StoredRecord>;
}

/** A spool that hands out its recovered records a chunk at a time (DiskSpool). */
export interface BatchEnumerating {
  enumerateBatches(): AsyncIterable<SpoolRecord[]>;
}

/** The spool's recovered records, a chunk at a time where it can, else one array per record. */
export async function* recoveredBatches(spool: Spool): AsyncGenerator<SpoolRecord[]> {
  const batching = spool as Partial<BatchEnumerating>;
  if (typeof batching.enumerateBatches === 'function') {
    yield* batching.enumerateBatches();
    return;
  }
  for await (const record of spool.enumerate()) yield [record];
}

function readsRecords(spool: Spool): spool is RecordSpool {
  return typeof (spool as Partial<RecordSpool>).loadRecord === 'function';
}

export interface SpoolReadsDeps {
  spool: Spool;
  timers: Timers;
  report: FaultReport;
  /** How long an unreadable message waits before `keep` puts it back (for the report). */
  faultRetryMs: number;
}

/** Reads of one message tried before a spool read error is reported. */
const ATTEMPTS = 3;

/**
 * The queue's reads from the spool. A read that fails (EMFILE, EIO, a bad checksum) is never taken
 * for "gone": it is tried again, then reported, and `keep` puts the message back where it will be
 * tried later. Undefined means the message is gone (bounced or removed meanwhile) or unreadable.
 */
export class SpoolReads {
  readonly #d: SpoolReadsDeps;

  constructor(deps: SpoolReadsDeps) {
    this.#d = deps;
  }

  /** The message with its data. */
  message(id: string, keep?: () => void): Promise<Message | undefined> {
    return this.#retry(id, () => this.#d.spool.load(id), keep);
  }

  /**
   * The message's record and size only: a log record about a message that is not being delivered
   * (a hold) must not read its data — a suspension can hold a million of them.
   */
  record(id: string, keep?: () => void): Promise<StoredRecord | undefined> {
    const { spool } = this.#d;
    const read = readsRecords(spool) ? () => spool.loadRecord(id) : async () => {
      const message = await spool.load(id);
      return { record: spoolRecordOf(message), size: message.size };
    };
    return this.#retry(id, read, keep);
  }

  async #retry<T>(id: string, read: () => Promise<T>, keep: (() => void) | undefined): Promise<T | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await read();
      } catch (error) {
        if ((error as MtaKitError).code === 'E_NOT_FOUND') return undefined;
        if (attempt < ATTEMPTS) {
          await new Promise<void>((resolve) => this.#d.timers.after(50 * attempt, resolve));
          continue;
        }
        this.#d.report('spool_read', `cannot read message ${id} from the spool (${attempt} attempts): ${(error as Error).message}; kept, tried again in ${this.#d.faultRetryMs} ms`);
        keep?.();
        return undefined;
      }
    }
  }
}
