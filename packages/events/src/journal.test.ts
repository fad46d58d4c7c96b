import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toEvent } from './event.js';
import { Journal } from './journal.js';
import { testRecord } from './testing/records.js';

describe('Journal', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtakit-journal-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const never = new AbortController().signal;

  it('reads in order across many small segments, from memory and from disk, and drops acknowledged segments', async () => {
    const j = new Journal(dir, { segmentBytes: 1500 });
    await j.open();
    for (let n = 1; n <= 30; n++) await j.append(toEvent(testRecord(n)));
    const first = await j.next(12, never);
    expect(first.map((e) => e.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    await j.ack(12);
    for (let n = 31; n <= 40; n++) await j.append(toEvent(testRecord(n)));
    const rest: number[] = [];
    while (rest.length < 28) rest.push(...(await j.next(7, never)).map((e) => e.seq));
    expect(rest).toEqual(Array.from({ length: 28 }, (_, i) => i + 13));
    await j.ack(35);
    await j.close();
    const segments = (await readdir(dir)).filter((n) => n.endsWith('.jsonl'));
    expect(segments.length).toBeGreaterThan(1);
    expect(segments.length).toBeLessThan(15);

    const again = new Journal(dir, { segmentBytes: 1500 });
    await again.open();
    expect(again.pending).toBe(5);
    expect((await again.next(100, never)).map((e) => e.event.record.id)).toEqual([36, 37, 38, 39, 40].map((n) => testRecord(n).id));
    await again.append(toEvent(testRecord(41)));
    expect((await again.next(100, never)).map((e) => e.seq)).toEqual([41]);
    await again.close();
  });

  it('falls back to disk when the reader is far behind, without skipping or repeating', async () => {
    const j = new Journal(dir, { segmentBytes: 64 * 1024 });
    await j.open();
    await Promise.all(Array.from({ length: 10_050 }, (_, i) => j.append(toEvent(testRecord(i + 1)))));
    const seen: number[] = [];
    while (seen.length < 10_050) seen.push(...(await j.next(1000, never)).map((e) => e.seq));
    expect(seen).toEqual(Array.from({ length: 10_050 }, (_, i) => i + 1));
    await j.close();
  });
});
