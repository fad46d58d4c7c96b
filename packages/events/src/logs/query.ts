import { createReadStream } from 'node:fs';
import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { LogRecord, LogRecordType } from '@mtakit/core';
import { frameMayMatch, type SegmentIndex } from './segment-index.js';
import { zstd } from './zstd.js';

/** What to look for; every given field must match. Times are unix seconds, inclusive. */
export interface LogQuery {
  from?: number;
  to?: number;
  types?: readonly LogRecordType[];
  tenant?: string;
  campaign?: string;
  /** Scheduled queue name, exactly. */
  queue?: string;
  /** Recipient domain (also matches the queue's domain). */
  domain?: string;
  /** Message id. */
  id?: string;
  recipient?: string;
}

export interface Segment {
  /** Path of the plain `.jsonl` or the `.jsonl.zst`. */
  path: string;
  compressed: boolean;
  /** Start time from the segment's name (unix seconds). */
  startTs: number;
}

const NAME = /^(\d{8})-(\d{6})(?:-\d+)?\.jsonl(\.zst)?$/;

/**
 * Log segments in time order. Where a crash left both forms of one segment, the plain file wins
 * (the compressed copy may be the one that was being written).
 */
export async function listSegments(dir: string): Promise<Segment[]> {
  const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  const present = new Set(names);
  const segments: Segment[] = [];
  for (const name of names) {
    const m = NAME.exec(name);
    if (!m) continue;
    const compressed = m[3] !== undefined;
    if (compressed && (present.has(name.slice(0, -4)) || !present.has(`${name}.idx`))) continue;
    const [d, t] = [m[1] as string, m[2] as string];
    const startTs = Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +t.slice(0, 2), +t.slice(2, 4), +t.slice(4, 6)) / 1000;
    segments.push({ path: join(dir, name), compressed, startTs });
  }
  return segments.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * Streams the matching records of a log directory in time order. Memory stays bounded: plain
 * segments are read line by line, compressed ones a frame (about 1 MiB) at a time, and frames that
 * cannot match by time or tenant are skipped unread.
 */
export async function* queryLogs(dir: string, query: LogQuery = {}): AsyncGenerator<LogRecord> {
  const from = query.from ?? 0;
  const to = query.to ?? Number.POSITIVE_INFINITY;
  const segments = await listSegments(dir);
  const prefilter = cheapFilter(query);
  for (const [i, segment] of segments.entries()) {
    const next = segments[i + 1];
    // Records are written as they happen, so a segment holds times from its start to the next
    // segment's start. An hour of slack covers records stamped a little before they were written.
    if (segment.startTs > to + 3600) break;
    if (next && next.startTs < from - 3600) continue;
    const lines = segment.compressed ? compressedLines(segment.path, from, to, query.tenant) : plainLines(segment.path);
    for await (const line of lines) {
      if (!prefilter(line)) continue;
      const record = JSON.parse(line) as LogRecord;
      if (recordMatches(record, query)) yield record;
    }
  }
}

async function* plainLines(path: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) if (line !== '') yield line;
}

async function* compressedLines(path: string, from: number, to: number, tenant: string | undefined): AsyncGenerator<string> {
  const index = JSON.parse(await readFile(`${path}.idx`, 'utf8')) as SegmentIndex;
  const { decompress } = await zstd();
  const fd = await open(path, 'r');
  try {
    for (const frame of index.frames) {
      if (!frameMayMatch(frame, from, to, tenant)) continue;
      const buf = Buffer.alloc(frame.length);
      await fd.read(buf, 0, frame.length, frame.offset);
      const text = Buffer.from(decompress(buf)).toString('utf8');
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        yield text.slice(start, nl);
        start = nl + 1;
      }
    }
  } finally {
    await fd.close();
  }
}

/** Substring tests that rule most lines out before the JSON is parsed (false positives are fine). */
function cheapFilter(query: LogQuery): (line: string) => boolean {
  // Addresses compare without case: only a lower-case one can be looked for as it is.
  const lower = (v: string | undefined) => (v !== undefined && v === v.toLowerCase() ? v : undefined);
  const needles = [query.tenant, query.campaign, query.id, lower(query.recipient), lower(query.domain), query.queue]
    .filter((v): v is string => v !== undefined && v !== '')
    .map((v) => JSON.stringify(v).slice(1, -1));
  return (line) => needles.every((n) => line.includes(n));
}

/** Whether a record matches every field the query gives (no `from`/`to`: any time). */
export function recordMatches(r: LogRecord, q: LogQuery): boolean {
  if (r.timestamp < (q.from ?? 0) || r.timestamp > (q.to ?? Number.POSITIVE_INFINITY)) return false;
  if (q.types && !q.types.includes(r.type)) return false;
  if (q.tenant !== undefined && r.meta?.tenant !== q.tenant) return false;
  if (q.campaign !== undefined && r.meta?.campaign !== q.campaign) return false;
  if (q.queue !== undefined && r.queue !== q.queue) return false;
  if (q.id !== undefined && r.id !== q.id) return false;
  const recipients = [r.recipient].flat();
  if (q.recipient !== undefined && !recipients.some((x) => x.toLowerCase() === q.recipient?.toLowerCase())) return false;
  if (q.domain !== undefined) {
    const d = q.domain.toLowerCase();
    const inQueue = r.queue.toLowerCase().split('!')[0]?.endsWith(`@${d}`) || r.queue.toLowerCase() === d;
    if (!inQueue && !recipients.some((x) => x.toLowerCase().endsWith(`@${d}`))) return false;
  }
  return true;
}
