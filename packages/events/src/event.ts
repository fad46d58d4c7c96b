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

/** Two hex digits per byte value: a table lookup per byte costs less than Number#toString(16) and padding. */
const HEX = Array.from({ length: 256 }, (_, n) => n.toString(16).padStart(2, '0'));

function hex8(n: number): string {
  return `${HEX[n >>> 24]}${HEX[(n >>> 16) & 255]}${HEX[(n >>> 8) & 255]}${HEX[n & 255]}`;
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

/**
 * Lane of a message: every event of one message goes through the same lane, so it stays in order.
 * Read from the event id (`<message id>.<hash>`), so that an event held as text need not be parsed.
 */
export function laneOf(event: MtaEvent, lanes: number): number {
  if (lanes <= 1) return 0;
  const id = event.event_id;
  const end = id.indexOf('.') < 0 ? id.length : id.indexOf('.');
  let h = 0;
  for (let i = 0; i < end; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % lanes;
}

/**
 * An event's JSON. The record's own text is the log writer's (`recordJson`), so a record is
 * serialised once in all; an event from the journal is held as text already (TextEvent).
 */
export function eventJson(event: MtaEvent): string {
  if (event instanceof TextEvent) return event.json;
  return `{"event_id":${JSON.stringify(event.event_id)},"type":${JSON.stringify(event.type)},"tenant":${JSON.stringify(event.tenant)},"record":${recordJson(event.record)}}`;
}

/**
 * An event held as its JSON, for the time it waits in the journal: as text (read back from a
 * segment file) or as a span of the bytes its journal write encoded. A span costs the garbage
 * collector nothing to trace (the bytes live outside the JS heap, and waiting events outlive the
 * young generation), and sinks send those bytes as they are (eventBytes), with no string to
 * build, copy or encode again. The record is parsed back only if a sink asks for it (the KumoMTA
 * log-hook payload).
 */
class TextEvent implements MtaEvent {
  readonly event_id: string;
  readonly type: LogRecordType;
  readonly tenant: string | null;
  readonly #json: string | undefined;
  readonly #bytes: Buffer | undefined;
  readonly #start: number;
  readonly #end: number;
  #record: LogRecord | undefined;

  constructor(head: Pick<MtaEvent, 'event_id' | 'type' | 'tenant'>, json: string | undefined, bytes?: Buffer, start = 0, end = 0) {
    this.event_id = head.event_id;
    this.type = head.type;
    this.tenant = head.tenant;
    this.#json = json;
    this.#bytes = bytes;
    this.#start = start;
    this.#end = end;
  }

  /** Decoded on each call from a span (kept, the text would be on the heap for as long as the event waits). */
  get json(): string {
    return this.#json ?? (this.#bytes as Buffer).toString('utf8', this.#start, this.#end);
  }

  get bytes(): Buffer {
    return this.#bytes ? this.#bytes.subarray(this.#start, this.#end) : Buffer.from(this.#json as string);
  }

  get record(): LogRecord {
    this.#record ??= (JSON.parse(this.json) as MtaEvent).record;
    return this.#record;
  }

  toJSON(): unknown {
    return JSON.parse(this.json);
  }
}

/** The event as the UTF-8 bytes of its eventJson (a view of the journal's own when it has them: no copy). */
export function eventBytes(event: MtaEvent): Buffer {
  return event instanceof TextEvent ? event.bytes : Buffer.from(eventJson(event));
}

/** The event held as bytes `start`–`end` of `bytes` (its eventJson, encoded), without its record object (see TextEvent). */
export function bytesEventOf(event: Pick<MtaEvent, 'event_id' | 'type' | 'tenant'>, bytes: Buffer, start: number, end: number): MtaEvent {
  return new TextEvent(event, undefined, bytes, start, end);
}

/** `{"event_id":…,"type":…,"tenant":…,"record":` — how eventJson starts. */
const EVENT_HEAD = /^\{"event_id":("(?:[^"\\]|\\.)*"),"type":"(\w+)","tenant":(null|"(?:[^"\\]|\\.)*"),"record":/;

/** The id, type and tenant at the start of an event's JSON (`text` may stop after them); undefined for another shape. */
export function eventHeadOf(text: string): Pick<MtaEvent, 'event_id' | 'type' | 'tenant'> | undefined {
  const head = EVENT_HEAD.exec(text);
  if (!head) return undefined;
  return { event_id: JSON.parse(head[1] as string) as string, type: head[2] as LogRecordType, tenant: JSON.parse(head[3] as string) as string | null };
}

/** An event from its JSON text, reading only its head (any other shape is parsed whole). */
export function eventFromJson(json: string): MtaEvent {
  return new TextEvent(eventHeadOf(json) ?? (JSON.parse(json) as MtaEvent), json);
}
