import { open, readdir, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
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
 * segments are read 4 MiB at a time from near `from`, compressed ones a frame (about 1 MiB) at a
 * time, and frames that cannot match by time or tenant are skipped unread.
 */
export async function* queryLogs(dir: string, query: LogQuery = {}): AsyncGenerator<LogRecord> {
  const from = query.from ?? 0;
  const to = query.to ?? Number.POSITIVE_INFINITY;
  const segments = await listSegments(dir);
  const needles = cheapNeedles(query);
  for (const [i, segment] of segments.entries()) {
    const next = segments[i + 1];
    // Records are written as they happen, so a segment holds times from its start to the next
    // segment's start. An hour of slack covers records stamped a little before they were written.
    if (segment.startTs > to + SLACK) break;
    if (next && next.startTs < from - SLACK) continue;
    const texts = segment.compressed ? compressedTexts(segment.path, from, to, query.tenant) : plainTexts(segment.path, from, to);
    for await (const text of texts) {
      for (const line of linesContaining(text, needles)) {
        const record = JSON.parse(line) as LogRecord;
        if (recordMatches(record, query)) yield record;
      }
    }
  }
}

/**
 * The matching records of several log directories (each worker of a node writes its own), merged
 * in time order: each directory's records are in time order, the next one out is the earliest head.
 */
export async function* queryLogDirs(dirs: readonly string[], query: LogQuery = {}): AsyncGenerator<LogRecord> {
  const streams = dirs.map((dir) => queryLogs(dir, query));
  const heads = await Promise.all(streams.map((s) => s.next()));
  for (;;) {
    let first: number | undefined;
    for (const [i, head] of heads.entries()) {
      if (!head.done && (first === undefined || head.value.timestamp < (heads[first]?.value as LogRecord).timestamp)) first = i;
    }
    if (first === undefined) return;
    yield heads[first]?.value as LogRecord;
    heads[first] = await (streams[first] as AsyncGenerator<LogRecord>).next();
  }
}

const SLACK = 3600;
const CHUNK = 4 * 1024 * 1024;
const TIMESTAMP = /"timestamp":(\d+)/;

/**
 * A plain segment in chunks of whole lines, starting near `from`: lines are appended in time order
 * (give or take the slack), so a binary search over the file finds where to begin, and reading
 * stops once a chunk ends past `to`.
 */
async function* plainTexts(path: string, from: number, to: number): AsyncGenerator<string> {
  const fd = await open(path, 'r');
  try {
    const size = (await fd.stat()).size;
    let offset = from > 0 ? await seekTime(fd, size, from - SLACK) : 0;
    let carry = '';
    while (offset < size) {
      const buf = Buffer.alloc(Math.min(CHUNK, size - offset));
      const { bytesRead } = await fd.read(buf, 0, buf.length, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
      const text = carry + buf.subarray(0, bytesRead).toString('utf8');
      const cut = text.lastIndexOf('\n') + 1;
      carry = text.slice(cut);
      yield text.slice(0, cut);
      const lastTs = Number(TIMESTAMP.exec(text.slice(text.lastIndexOf('\n', cut - 2) + 1, cut))?.[1] ?? 0);
      if (lastTs > to + SLACK) return;
    }
  } finally {
    await fd.close();
  }
}

/** The offset of a line start at or before the first line stamped `ts` or later. */
async function seekTime(fd: FileHandle, size: number, ts: number): Promise<number> {
  let lo = 0;
  let hi = size;
  const probe = Buffer.alloc(64 * 1024);
  while (hi - lo > CHUNK) {
    const mid = Math.floor((lo + hi) / 2);
    const { bytesRead } = await fd.read(probe, 0, probe.length, mid);
    const text = probe.subarray(0, bytesRead).toString('utf8');
    const lineStart = text.indexOf('\n') + 1;
    const found = TIMESTAMP.exec(text.slice(lineStart));
    if (lineStart === 0 || !found) break;
    if (Number(found[1]) < ts) lo = mid + lineStart;
    else hi = mid;
  }
  return lo;
}

async function* compressedTexts(path: string, from: number, to: number, tenant: string | undefined): AsyncGenerator<string> {
  const index = JSON.parse(await readFile(`${path}.idx`, 'utf8')) as SegmentIndex;
  const { decompress } = await zstd();
  const fd = await open(path, 'r');
  try {
    for (const frame of index.frames) {
      if (!frameMayMatch(frame, from, to, tenant)) continue;
      const buf = Buffer.alloc(frame.length);
      await fd.read(buf, 0, frame.length, frame.offset);
      yield Buffer.from(decompress(buf)).toString('utf8');
    }
  } finally {
    await fd.close();
  }
}

/**
 * The lines of `text` that contain every needle. With needles, it jumps from one occurrence of the
 * first needle to the next (a native string search) instead of visiting every line, so a query
 * for one tenant or message costs little more than reading the bytes.
 */
export function* linesContaining(text: string, needles: readonly string[]): Generator<string> {
  const [first, ...rest] = needles;
  if (first === undefined) {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      if (nl > start) yield text.slice(start, nl);
      start = nl + 1;
    }
    return;
  }
  for (let at = text.indexOf(first); at >= 0; ) {
    const start = text.lastIndexOf('\n', at) + 1;
    const nl = text.indexOf('\n', at);
    const end = nl < 0 ? text.length : nl;
    const line = text.slice(start, end);
    if (rest.every((n) => line.includes(n))) yield line;
    at = nl < 0 ? -1 : text.indexOf(first, end);
  }
}

/** Substrings every matching line must contain (false positives are fine: the JSON is checked after). */
function cheapNeedles(query: LogQuery): string[] {
  // Addresses compare without case: only a lower-case one can be looked for as it is.
  const lower = (v: string | undefined) => (v !== undefined && v === v.toLowerCase() ? v : undefined);
  return [query.id, lower(query.recipient), query.campaign, query.tenant, lower(query.domain), query.queue]
    .filter((v): v is string => v !== undefined && v !== '')
    .map((v) => JSON.stringify(v).slice(1, -1));
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
