import { recordJson, type LogRecord, type LogRecordType } from '@mtakit/core';

/**
 * One outbound event: a log record with the key a receiver deduplicates on. The key is derived
 * from the record itself (not generated), so a record published twice — after a crash between the
 * log write and the journal append, say — carries the same key both times.
 */
export interface MtaEvent {
  event_id: string;
  type: LogRecordType;
  tenant: string | null;
  record: LogRecord;
}

/**
 * `<message id>.<16 hex>`: the message id (unique per message) and a 64-bit hash of the fields
 * that make one record distinct from the other records of its message (type, recipient, time,
 * attempt, reply code, site). Two 32-bit multiplicative hashes instead of a cryptographic digest:
 * this runs for every record, and the key only has to tell apart the few records of one message.
 */
export function eventIdOf(record: LogRecord): string {
  const recipient = Array.isArray(record.recipient) ? record.recipient.join(',') : record.recipient;
  const identity = `${record.type}\u001f${recipient}\u001f${record.event_time}\u001f${record.num_attempts}\u001f${record.response.code}\u001f${record.site}`;
  let a = 0x811c9dc5;
  let b = 0x9e3779b9 ^ identity.length;
  for (let i = 0; i < identity.length; i++) {
    const c = identity.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return `${record.id}.${hex8(a)}${hex8(b)}`;
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

export function tenantOf(record: LogRecord): string | null {
  const tenant = record.meta?.tenant;
  return typeof tenant === 'string' && tenant !== '' ? tenant : null;
}

export function toEvent(record: LogRecord): MtaEvent {
  return { event_id: eventIdOf(record), type: record.type, tenant: tenantOf(record), record };
}

/** Which events an endpoint wants: by type and by tenant; an absent list means "all". */
export interface EventFilter {
  types?: readonly LogRecordType[];
  tenants?: readonly string[];
}

export function matchesFilter(event: MtaEvent, filter: EventFilter): boolean {
  if (filter.types && !filter.types.includes(event.type)) return false;
  if (filter.tenants && (event.tenant === null || !filter.tenants.includes(event.tenant))) return false;
  return true;
}

/** Lane of a message: every event of one message goes through the same lane, so it stays in order. */
export function laneOf(event: MtaEvent, lanes: number): number {
  if (lanes <= 1) return 0;
  let h = 0;
  for (let i = 0; i < event.record.id.length; i++) h = (h * 31 + event.record.id.charCodeAt(i)) >>> 0;
  return h % lanes;
}

/**
 * Each event's JSON, remembered where it was made (the journal writes an event once, or reads it
 * back as text) so that sinks send that text instead of serialising the record again. The record's
 * own text is the log writer's (`recordJson`), so a record is serialised once in all.
 */
const texts = new WeakMap<MtaEvent, string>();

export function eventJson(event: MtaEvent): string {
  let text = texts.get(event);
  if (text === undefined) {
    text = `{"event_id":${JSON.stringify(event.event_id)},"type":${JSON.stringify(event.type)},"tenant":${JSON.stringify(event.tenant)},"record":${recordJson(event.record)}}`;
    texts.set(event, text);
  }
  return text;
}

export function rememberJson(event: MtaEvent, text: string): MtaEvent {
  texts.set(event, text);
  return event;
}
