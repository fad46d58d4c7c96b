import { Message, MtaKitError, spoolRecordOf, type SpoolRecord } from '@mtakit/core';
import type { RecordSpool, StoredRecord } from './spool-reads.js';

/**
 * A `Spool` that keeps everything in memory: nothing survives a restart. For tests and for
 * applications that deliberately trade durability for speed (KumoMTA's "deferred spool").
 */
export class MemorySpool implements RecordSpool {
  readonly #messages = new Map<string, { record: SpoolRecord; data: Buffer }>();

  get size(): number {
    return this.#messages.size;
  }

  async store(message: Message): Promise<void> {
    this.#messages.set(message.id, { record: structuredClone(spoolRecordOf(message)), data: message.getData() });
  }

  async updateMeta(message: Message): Promise<void> {
    const stored = this.#messages.get(message.id);
    if (!stored) throw new MtaKitError('E_NOT_FOUND', `message ${message.id} is not in the spool`);
    stored.record = structuredClone(spoolRecordOf(message));
  }

  async load(id: string): Promise<Message> {
    const stored = this.#messages.get(id);
    if (!stored) throw new MtaKitError('E_NOT_FOUND', `message ${id} is not in the spool`);
    const { record, data } = stored;
    return new Message({ ...structuredClone(record), data });
  }

  async loadRecord(id: string): Promise<StoredRecord> {
    const stored = this.#messages.get(id);
    if (!stored) throw new MtaKitError('E_NOT_FOUND', `message ${id} is not in the spool`);
    return { record: structuredClone(stored.record), size: stored.data.length };
  }

  async remove(id: string): Promise<void> {
    this.#messages.delete(id);
  }

  async *enumerate(): AsyncGenerator<SpoolRecord> {
    for (const { record } of this.#messages.values()) yield structuredClone(record);
  }

  async close(): Promise<void> {}
}
