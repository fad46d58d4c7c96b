import { createHash } from 'node:crypto';
import type { LogRecord, LogRecordType } from '@mtakit/core';

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

/** The fields that make one record distinct from every other record of the same message. */
export function eventIdOf(record: LogRecord): string {
  const recipient = Array.isArray(record.recipient) ? record.recipient.join(',') : record.recipient;
  const identity = [record.type, record.id, recipient, record.event_time, record.num_attempts, record.response.code, record.site];
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 32);
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
 * Each event's JSON, remembered where it was made (the hub serialises an event once, the journal
 * reads it back as text) so that sinks send that text instead of serialising the record again.
 */
const texts = new WeakMap<MtaEvent, string>();

export function eventJson(event: MtaEvent): string {
  let text = texts.get(event);
  if (text === undefined) {
    text = JSON.stringify(event);
    texts.set(event, text);
  }
  return text;
}

export function rememberJson(event: MtaEvent, text: string): MtaEvent {
  texts.set(event, text);
  return event;
}
