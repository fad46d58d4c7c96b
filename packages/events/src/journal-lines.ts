import { MtaKitError, type LogRecordType } from '@mtakit/core';
import { bytesEventOf, eventFromJson } from './event.js';
import type { JournalChunk, JournalEntry } from './journal.js';
import type { TailItem } from './journal-reader.js';

/** A line's head up to its event: `{"seq":…,"at":…,"to":[…],"event":` — enough to route it without parsing the event. */
export const HEAD = /^\{"seq":(\d+),"at":(\d+),"to":(\[[^\]]*\]),"event":/;

/**
 * Enough of a line for its head and its event's id, type and tenant (about 150 bytes with a
 * 32-hex message id); a line whose heads are longer is decoded whole.
 */
const HEAD_BYTES = 384;

/**
 * A line's head and its event's head in one: `{"seq":…,"at":…,"to":[…],"event":` (group 1, ASCII:
 * its length in characters is its length in bytes), then the event's `event_id`, `type` and
 * `tenant` when they hold no escapes (a line with escapes there is decoded whole).
 */
const LINE_HEAD = /^(\{"seq":(\d+),"at":(\d+),"to":(\[[^\]]*\]),"event":)\{"event_id":"([^"\\]*)","type":"(\w+)","tenant":(?:null|"([^"\\]*)"),"record":/;

/**
 * The entries of a chunk of whole journal lines, for a follower's readers: each event held as its
 * span of the chunk's bytes (see TextEvent), with only the line's head decoded (one match per
 * line). The event ends before the line's closing `}\n`.
 */
export function tailOf(chunk: JournalChunk): TailItem[] {
  const { bytes, segment, base } = chunk;
  const items: TailItem[] = [];
  let toJson = '';
  let to: readonly string[] = [];
  for (let start = 0, nl = bytes.indexOf(10); nl >= 0; start = nl + 1, nl = bytes.indexOf(10, start)) {
    const head = LINE_HEAD.exec(bytes.toString('utf8', start, Math.min(nl, start + HEAD_BYTES)));
    let entry: JournalEntry;
    if (!head) {
      entry = parseLine(bytes.toString('utf8', start, nl));
    } else {
      // Consecutive lines mostly go to the same endpoints.
      if (head[4] !== toJson) (toJson = head[4] as string), (to = JSON.parse(toJson) as string[]);
      const event = { event_id: head[5] as string, type: head[6] as LogRecordType, tenant: head[7] ?? null };
      entry = { seq: Number(head[2]), at: Number(head[3]), to, event: bytesEventOf(event, bytes, start + (head[1] as string).length, nl - 1) };
    }
    items.push({ entry, segment, end: base + nl + 1 });
  }
  return items;
}

/** Parses one journal line (without its newline): its head, and the event kept as text for the sinks. */
export function parseLine(line: string): JournalEntry {
  const head = HEAD.exec(line);
  if (!head) throw new MtaKitError('E_EVENTS', `event journal: a line that is not a journal entry: ${line.slice(0, 80)}`);
  return { seq: Number(head[1]), at: Number(head[2]), to: JSON.parse(head[3] as string) as string[], event: eventFromJson(line.slice(head[0].length, -1)) };
}
