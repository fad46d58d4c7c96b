import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventJson, toEvent } from './event.js';
import { Journal, type JournalChunk } from './journal.js';
import type { JournalReader, ReaderSpec } from './journal-reader.js';
import { testRecord } from './testing/records.js';

const never = new AbortController().signal;
const spec = (endpoint: string): ReaderSpec => ({ name: endpoint, endpoint });

/** Reads `count` entries (waiting for appends), acknowledging each batch; returns their message numbers. */
async function take(reader: JournalReader, count: number, max = 7): Promise<number[]> {
  const got: number[] = [];
  while (got.length < count) {
    const { entries, upTo } = await reader.next(max, never);
    got.push(...entries.map((e) => Number.parseInt(e.event.record.id, 16)));
    reader.ack(upTo, entries.length);
  }
  return got;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('Journal', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtakit-journal-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes each event once for several endpoints, each reading its own, in order, across segments and a restart', async () => {
    const j = new Journal(dir, { segmentBytes: 1500, cursorFlushMs: 10, sync: 'fsync' });
    await j.open([spec('all'), spec('odd')]);
    for (let n = 1; n <= 30; n++) await j.append([toEvent(testRecord(n))], n % 2 ? ['all', 'odd'] : ['all']);
    expect([j.backlog('all'), j.backlog('odd')]).toEqual([30, 15]);
    expect(await take(j.reader('all'), 30)).toEqual(range(1, 30));
    expect(await take(j.reader('odd'), 5, 5)).toEqual([1, 3, 5, 7, 9]);
    expect([j.backlog('all'), j.backlog('odd')]).toEqual([0, 10]);
    await j.close();
    const segments = (await readdir(dir)).filter((n) => n.endsWith('.jsonl'));
    expect(segments.length).toBeGreaterThan(2);

    const again = new Journal(dir, { segmentBytes: 1500, cursorFlushMs: 10 });
    await again.open([spec('all'), spec('odd')]);
    expect([again.backlog('all'), again.backlog('odd')]).toEqual([0, 10]);
    await again.append([toEvent(testRecord(31))], ['all', 'odd']);
    expect(await take(again.reader('odd'), 11)).toEqual([...range(11, 29).filter((n) => n % 2), 31]);
    expect(await take(again.reader('all'), 1)).toEqual([31]);
    await new Promise((r) => setTimeout(r, 50));
    await again.close();
    // Every reader is past the old segments: only the newest are left.
    expect((await readdir(dir)).filter((n) => n.endsWith('.jsonl')).length).toBeLessThan(segments.length);
  });

  it('a reader with nothing to take does not hold segments back', async () => {
    const j = new Journal(dir, { segmentBytes: 1500, cursorFlushMs: 10 });
    await j.open([spec('busy'), spec('idle')]);
    const idle = j.reader('idle').next(10, AbortSignal.timeout(500));
    for (let n = 1; n <= 40; n++) await j.append([toEvent(testRecord(n))], ['busy']);
    expect(await take(j.reader('busy'), 40, 100)).toEqual(range(1, 40));
    expect((await idle).entries).toEqual([]);
    await new Promise((r) => setTimeout(r, 50));
    await j.close();
    expect((await readdir(dir)).filter((n) => n.endsWith('.jsonl')).length).toBe(1);
  });

  it('falls back to disk when a reader is far behind, without skipping or repeating', async () => {
    const j = new Journal(dir, { segmentBytes: 64 * 1024 });
    await j.open([spec('a')]);
    const all = range(1, 15_050);
    // Every third event is for another endpoint: the reader skips it in memory and on disk.
    await Promise.all(all.map((n) => j.append([toEvent(testRecord(n))], n % 3 !== 0 ? ['a'] : ['b'])));
    expect(await take(j.reader('a'), all.filter((n) => n % 3 !== 0).length, 1000)).toEqual(all.filter((n) => n % 3 !== 0));
    await j.append([toEvent(testRecord(15_052))], ['a']);
    expect(await take(j.reader('a'), 1)).toEqual([15_052]);
    await j.close();
  });

  it('keeps byte positions right for lines written in one turn with multi-byte text, when a reader then falls back to disk', async () => {
    const j = new Journal(dir, { segmentBytes: 1024 * 1024 });
    await j.open([spec('a')]);
    // Caught up (nothing on disk yet): from here on the reader takes appends from memory.
    expect((await j.reader('a').next(1, AbortSignal.abort())).entries).toEqual([]);
    const utf8 = (n: number) => {
      const r = testRecord(n);
      return toEvent({ ...r, response: { ...r.response, content: `accepté — ✓ ${'é'.repeat(n % 7)}` } });
    };
    // One turn, three lines; the reader takes one, so its position is the first line's end.
    await Promise.all([1, 2, 3].map((n) => j.append([utf8(n)], ['a'])));
    expect(await take(j.reader('a'), 1, 1)).toEqual([1]);
    // More than the reader keeps in memory: it goes back to the file from that position.
    await Promise.all(range(4, 10_010).map((n) => j.append([utf8(n)], ['a'])));
    const got = await take(j.reader('a'), 10_009, 2000);
    expect(got).toEqual(range(2, 10_010));
    await j.close();
  });

  it("a follower (the events worker) reads what was on disk when it started, then the writer's chunks, with multi-byte tenants and across segments", async () => {
    const chunks: JournalChunk[] = [];
    const writer = new Journal(dir, { segmentBytes: 4000, role: 'writer', onWritten: (c) => chunks.push(c) });
    await writer.open([]);
    const event = (n: number) => toEvent(testRecord(n, 'Delivery', n % 3 ? `tenänt-✓-${n}` : undefined));
    for (let n = 1; n <= 12; n++) await writer.append([event(n)], ['a']);
    const follower = new Journal(dir, { role: 'follower', cursorFlushMs: 10 });
    await follower.open([spec('a')], writer.position());
    // What the writer had written: from the files; then the reader is caught up and takes chunks from memory.
    const fromDisk = (await follower.reader('a').next(100, never)).entries;
    expect(fromDisk).toHaveLength(12);
    chunks.length = 0;
    // Written after the follower started: they reach it only as chunks.
    await Promise.all(range(13, 40).map((n) => writer.append([event(n)], ['a'])));
    for (const c of chunks) follower.follow(c);
    const all = [...fromDisk, ...(await follower.reader('a').next(100, never)).entries];
    expect(all.map((e) => Number.parseInt(e.event.record.id, 16))).toEqual(range(1, 40));
    for (const e of all) expect(e.event.tenant).toBe(event(Number.parseInt(e.event.record.id, 16)).tenant);
    expect(all.map((e) => eventJson(e.event))).toEqual(range(1, 40).map((n) => eventJson(event(n))));
    expect(writer.position().segments.length).toBeGreaterThan(2);
    expect(follower.backlog('a')).toBe(40);
    await writer.close();
    await follower.close();
  });
});
