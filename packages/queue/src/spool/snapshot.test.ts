import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SpoolRecord } from '@mtakit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskSpool, type DiskSpoolOptions } from './disk-spool.js';
import { all, message, removeTempDirs, reopen, tempDir } from './fixtures/spool-helpers.js';
import { segmentGroups } from './snapshot-writer.js';

afterEach(removeTempDirs);

function byId(records: SpoolRecord[]): Map<string, SpoolRecord> {
  return new Map(records.map((r) => [r.id, r]));
}

/** Opens the spool with its log lines collected in `logs`. */
function openLogged(options: DiskSpoolOptions, logs: string[]): Promise<DiskSpool> {
  return DiskSpool.open({ ...options, log: (level, m) => logs.push(`${level} ${m}`) });
}

/** Fills a spool over several segments: stores, meta updates and removals. What stays, by id. */
async function fill(spool: DiskSpool, from: number, count: number, expected: Map<string, number>): Promise<void> {
  for (let i = from; i < from + count; i++) {
    const m = message(i, 300 + (i % 5) * 200);
    await spool.store(m);
    expected.set(m.id, 0);
    if (i % 4 === 0) {
      m.numAttempts = 2;
      await spool.updateMeta(m);
      expected.set(m.id, 2);
    }
    if (i % 7 === 0) {
      await spool.remove(m.id);
      expected.delete(m.id);
    }
  }
}

async function expectRecovered(spool: DiskSpool, expected: Map<string, number>): Promise<void> {
  const recovered = byId(await all(spool));
  expect([...recovered.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [id, attempts] of expected) expect(recovered.get(id)?.numAttempts).toBe(attempts);
  for (const id of [...expected.keys()].slice(0, 20)) {
    const m = await spool.load(id);
    expect(m.getData().length).toBe(recovered.get(id)?.size);
    expect(m.recipient).toBe(recovered.get(id)?.recipient);
  }
}

describe('DiskSpool index snapshots', () => {
  it('restarts from the snapshot written at close, replaying no segment', async () => {
    const options = { dir: tempDir(), segmentBytes: 8192 };
    let spool = await DiskSpool.open(options);
    const expected = new Map<string, number>();
    await fill(spool, 0, 120, expected);
    await spool.close();
    const logs: string[] = [];
    spool = await openLogged(options, logs);
    expect(logs.join('\n')).toMatch(/index snapshot loaded .*: \d+ messages .*, 0 of \d+ segments to replay/);
    await expectRecovered(spool, expected);
    // It keeps working after a snapshot start: new stores, then another restart.
    await fill(spool, 1000, 30, expected);
    spool = await reopen(spool, options);
    await expectRecovered(spool, expected);
    await spool.close();
  });

  it('replays the segments written after a checkpoint over it (a crash after the checkpoint)', async () => {
    const options = { dir: tempDir(), segmentBytes: 8192 };
    const first = await DiskSpool.open(options);
    const expected = new Map<string, number>();
    await fill(first, 0, 100, expected);
    // Two at once (a compaction pass and a caller): they run one after the other, not interleaved.
    await Promise.all([first.checkpoint(), first.checkpoint()]);
    // After the checkpoint: new messages, updates and removals of messages it holds.
    await fill(first, 100, 60, expected);
    for (const id of [...expected.keys()].slice(0, 10)) {
      await first.remove(id);
      expected.delete(id);
    }
    for (const id of [...expected.keys()].slice(0, 10)) {
      const m = await first.load(id);
      m.numAttempts = 5;
      await first.updateMeta(m);
      expected.set(id, 5);
    }
    // Never closed: the second open sees what a crash leaves (same process, so the lock is ours).
    const logs: string[] = [];
    const second = await openLogged(options, logs);
    expect(logs.join('\n')).toMatch(/index snapshot loaded/);
    expect(logs.join('\n')).not.toMatch(/, 0 of \d+ segments to replay/);
    await expectRecovered(second, expected);
    await second.close();
  });

  it.each([
    ['a flipped byte', (file: string) => { const b = readFileSync(file); b[b.length >> 1] = (b[b.length >> 1] as number) ^ 0x40; writeFileSync(file, b); }, /fails its checksum/],
    ['a cut-short write', (file: string) => truncateSync(file, readFileSync(file).length - 100), /trailer is missing|runs past the end|fails its checksum/],
    ['an older format', (file: string) => { const b = readFileSync(file); b[7] = 0; writeFileSync(file, b); }, /not an index snapshot of this format/],
  ])('ignores a snapshot with %s, says so, and scans every segment instead', async (_what, damage, reason) => {
    const options = { dir: tempDir(), segmentBytes: 8192 };
    let spool = await DiskSpool.open(options);
    const expected = new Map<string, number>();
    await fill(spool, 0, 80, expected);
    await spool.close();
    damage(join(options.dir, 'index.snap'));
    const logs: string[] = [];
    spool = await openLogged(options, logs);
    expect(logs.join('\n')).toMatch(reason);
    expect(logs.join('\n')).toMatch(/warn spool: index snapshot not used: .*; scanning all \d+ segments/);
    await expectRecovered(spool, expected);
    await spool.close();
  });

  it('does not bring back messages whose segments (and tombstones) were deleted after the snapshot', async () => {
    const options = { dir: tempDir(), segmentBytes: 4096, compactIntervalMs: 3_600_000, checkpointSegments: 1000 };
    const first = await DiskSpool.open(options);
    const before = Array.from({ length: 40 }, (_, i) => message(i, 500));
    for (const m of before) await first.store(m);
    await all(first);
    await first.checkpoint();
    // Everything the snapshot holds is removed, then later segments fill and die too.
    for (const m of before) await first.remove(m.id);
    const after = Array.from({ length: 40 }, (_, i) => message(100 + i, 500));
    for (const m of after) await first.store(m);
    for (const m of after.slice(0, 35)) await first.remove(m.id);
    await first.compact();
    const second = await DiskSpool.open(options);
    const recovered = byId(await all(second));
    expect([...recovered.keys()].sort()).toEqual(after.slice(35).map((m) => m.id).sort());
    for (const m of after.slice(35)) expect((await second.load(m.id)).getData()).toEqual(m.getData());
    await second.close();
  });

  it('writes checkpoints while filling, and without them (checkpointSegments: 0) scans everything', async () => {
    const options = { dir: tempDir(), segmentBytes: 4096, compactIntervalMs: 3_600_000, checkpointSegments: 2 };
    const logs: string[] = [];
    const spool = await openLogged(options, logs);
    await all(spool);
    const expected = new Map<string, number>();
    await fill(spool, 0, 40, expected);
    await spool.compact();
    expect(logs.join('\n')).toMatch(/index snapshot of \d+ messages covering segments before/);
    await spool.close();
    const noSnapshots = { ...options, checkpointSegments: 0 };
    const later: string[] = [];
    const again = await openLogged(noSnapshots, later);
    await expectRecovered(again, expected);
    await again.close();
    expect(later.join('\n')).not.toMatch(/index snapshot of/);
  });
});

describe('segmentGroups (the snapshot sorts meta locations a group of segments at a time)', () => {
  it('takes segments in ascending runs of at most `group` metas, a larger segment alone', () => {
    const counts = new Map([[9, 3], [2, 4], [5, 1], [7, 10], [3, 2]]);
    expect(segmentGroups(counts, 6)).toEqual([
      { from: 2, to: 3, metas: 6 },
      { from: 5, to: 5, metas: 1 },
      { from: 7, to: 7, metas: 10 },
      { from: 9, to: 9, metas: 3 },
    ]);
    expect(segmentGroups(counts, 100)).toEqual([{ from: 2, to: 9, metas: 20 }]);
    expect(segmentGroups(new Map(), 6)).toEqual([]);
  });
});
