import { Message, type SpoolRecord } from '@mtakit/core';

/** A message's meta as a spool record holds it (JSON). */
export interface StoredMeta {
  sender: string;
  recipient: string;
  meta: SpoolRecord['meta'];
  numAttempts: number;
  due?: number;
}

/** The meta as the spool stores it, as JSON text (a Message will do: no record copy is made). */
export function metaJson(record: SpoolRecord): string {
  const stored: StoredMeta = { sender: record.sender, recipient: record.recipient, meta: record.meta, numAttempts: record.numAttempts };
  if (record.due !== undefined) stored.due = record.due;
  return JSON.stringify(stored);
}

export function toRecord(id: string, stored: StoredMeta, size?: number): SpoolRecord {
  const record: SpoolRecord = { id, sender: stored.sender, recipient: stored.recipient, meta: stored.meta, numAttempts: stored.numAttempts, due: stored.due };
  if (size !== undefined) record.size = size;
  return record;
}

export function toMessage(id: string, stored: StoredMeta, data: Buffer): Message {
  return new Message({ ...toRecord(id, stored), data });
}
