import type { Message, MessageMeta } from '../message/message.js';

/** What the spool keeps about a message besides its data. */
export interface SpoolRecord {
  id: string;
  sender: string;
  recipient: string;
  meta: MessageMeta;
  numAttempts: number;
  /** Next attempt due (Unix ms); undefined = as soon as possible. */
  due: number | undefined;
  /** The data's size in bytes, when the spool knows it without reading the data (from `enumerate`). */
  size?: number;
}

/**
 * Durable message storage. Implementations: `DiskSpool` in `@mtakit/queue` (default); others
 * (RocksDB, S3…) may implement this interface.
 *
 * Contract: `store` resolves only once data and meta are durable (fsync), because the SMTP 250 and
 * HTTP 200 replies wait on it; after a crash, `enumerate` returns every stored, unremoved message
 * with its latest persisted meta.
 */
export interface Spool {
  /** Stores data and meta; durable when it resolves. */
  store(message: Message): Promise<void>;
  /** Persists the message's meta, attempt count and due time (the data is unchanged). */
  updateMeta(message: Message): Promise<void>;
  /** Loads a message with its data. Throws `E_NOT_FOUND` if absent. */
  load(id: string): Promise<Message>;
  /** Removes a message (after its terminal log record is written). */
  remove(id: string): Promise<void>;
  /** Every stored message's record, without data, for recovery at start. */
  enumerate(): AsyncIterable<SpoolRecord>;
  /** Number of messages currently stored. */
  readonly size: number;
  close(): Promise<void>;
}

export function spoolRecordOf(message: Message): SpoolRecord {
  return {
    id: message.id,
    sender: message.sender,
    recipient: message.recipient,
    meta: message.meta,
    numAttempts: message.numAttempts,
    due: message.due,
  };
}
