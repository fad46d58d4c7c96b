import { appendFileSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskSpool } from './disk-spool.js';
import { all, message, removeTempDirs, reopen, tempDir } from './fixtures/spool-helpers.js';

afterEach(removeTempDirs);

describe('DiskSpool', () => {
  it('stores, loads, updates meta and removes', async () => {
    const spool = await DiskSpool.open({ dir: tempDir() });
    const m = message(1);
    await spool.store(m);
    const loaded = await spool.load(m.id);
    expect(loaded.getData()).toEqual(m.getData());
    expect(loaded.meta).toEqual({ tenant: 't', n: 1 });
    m.numAttempts = 3;
    m.due = 1_700_000_000_000;
    m.setMeta('queue', 'q');
    await spool.updateMeta(m);
    expect(await spool.load(m.id)).toMatchObject({ numAttempts: 3, due: 1_700_000_000_000, meta: { queue: 'q' } });
    expect(await spool.loadRecord(m.id)).toMatchObject({ record: { id: m.id, numAttempts: 3, meta: { queue: 'q' } }, size: m.size });
    await spool.remove(m.id);
    await expect(spool.load(m.id)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await expect(spool.loadRecord(m.id)).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await spool.close();
  });

  it('recovers every unremoved message with its latest meta after reopening', async () => {
    const options = { dir: tempDir() };
    let spool = await DiskSpool.open(options);
    const messages = Array.from({ length: 50 }, (_, i) => message(i));
    await Promise.all(messages.map((m) => spool.store(m)));
    for (const m of messages.slice(0, 10)) await spool.remove(m.id);
    for (const m of messages.slice(10, 20)) {
      m.numAttempts = 2;
      m.due = 123;
      await spool.updateMeta(m);
    }
    spool = await reopen(spool, options);
    const records = await all(spool);
    expect(records.map((r) => r.id).sort()).toEqual(messages.slice(10).map((m) => m.id).sort());
    expect(records.filter((r) => r.numAttempts === 2 && r.due === 123)).toHaveLength(10);
    expect((await spool.load(messages[30]!.id)).getData()).toEqual(messages[30]!.getData());
    await spool.close();
  });

  it('shares one fsync between concurrent stores (group commit)', async () => {
    const batches: number[] = [];
    const spool = await DiskSpool.open({ dir: tempDir(), onBatch: (n) => batches.push(n) });
    await Promise.all(Array.from({ length: 200 }, (_, i) => spool.store(message(i))));
    expect(batches.reduce((a, b) => a + b, 0)).toBe(200);
    expect(batches.length).toBeLessThan(20);
    await spool.close();
  });

  // These two damage segments after a clean close: without a snapshot (a crash writes none), so
  // the restart scans the damaged segment (with one, the restart reads the snapshot instead).
  it('ignores a torn tail left by a crash and keeps accepting writes', async () => {
    const options = { dir: tempDir(), checkpointSegments: 0 };
    let spool = await DiskSpool.open(options);
    const kept = message(1);
    await spool.store(kept);
    await spool.close();
    const seg = readdirSync(options.dir).filter((f) => f.endsWith('.seg')).sort().at(-1)!;
    appendFileSync(join(options.dir, seg), Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 1, 0, 0]));
    const logs: string[] = [];
    spool = await DiskSpool.open({ ...options, log: (_l, m) => logs.push(m) });
    expect((await all(spool)).map((r) => r.id)).toEqual([kept.id]);
    expect(logs.join('\n')).toMatch(/ignored 11 bytes .* torn by a crash/);
    await spool.store(message(2));
    spool = await reopen(spool, options);
    expect(await all(spool)).toHaveLength(2);
    await spool.close();
  });

  it('recovers records that straddle its 8 MiB read chunks, and one larger than a chunk', async () => {
    const options = { dir: tempDir(), segmentBytes: 64 * 1024 * 1024 };
    let spool = await DiskSpool.open(options);
    const sizes = [...Array.from({ length: 30 }, (_, i) => 100 + i), 9 * 1024 * 1024, ...Array.from({ length: 40 }, (_, i) => 300_000 + i)];
    const messages = sizes.map((size, i) => message(i, size));
    for (const m of messages) await spool.store(m);
    spool = await reopen(spool, options);
    const records = await all(spool);
    expect(records.map((r) => [r.id, r.size])).toEqual(messages.map((m) => [m.id, m.size]));
    // Buffer.equals: a deep toEqual over 9 MiB takes minutes.
    for (const m of [messages[29]!, messages[30]!, messages[31]!, messages.at(-1)!]) expect((await spool.load(m.id)).getData().equals(m.getData())).toBe(true);
    await spool.close();
  });

  it('stops at a corrupt record mid-segment and reports the bytes from there on', async () => {
    const options = { dir: tempDir(), checkpointSegments: 0 };
    let spool = await DiskSpool.open(options);
    const [a, b, c] = [message(1), message(2), message(3)];
    for (const m of [a, b, c]) await spool.store(m);
    await spool.close();
    const seg = join(options.dir, readdirSync(options.dir).filter((f) => f.endsWith('.seg')).sort()[0]!);
    const bytes = readFileSync(seg);
    const second = bytes.readUInt32LE(0);
    bytes[second + 20] = (bytes[second + 20] as number) ^ 0xff; // in b's id: its header checksum fails
    writeFileSync(seg, bytes);
    const logs: string[] = [];
    spool = await DiskSpool.open({ ...options, log: (_l, m) => logs.push(m) });
    expect((await all(spool)).map((r) => r.id)).toEqual([a.id]);
    expect(logs.join('\n')).toContain(`ignored ${bytes.length - second} bytes`);
    await spool.close();
  });

  it('detects corrupted data on load', async () => {
    const options = { dir: tempDir() };
    let spool = await DiskSpool.open(options);
    const m = message(1, 1000);
    await spool.store(m);
    await spool.close();
    const seg = join(options.dir, readdirSync(options.dir).find((f) => f.endsWith('.seg'))!);
    const bytes = readFileSync(seg);
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] as number) ^ 0xff;
    writeFileSync(seg, bytes);
    spool = await DiskSpool.open(options);
    expect(await all(spool)).toHaveLength(1);
    await expect(spool.load(m.id)).rejects.toMatchObject({ code: 'E_SPOOL_CORRUPT' });
    await spool.close();
  });

  it('deletes dead segments oldest first and relocates the few live messages of an old one', async () => {
    const options = { dir: tempDir(), segmentBytes: 4096, compactIntervalMs: 3_600_000 };
    let spool = await DiskSpool.open(options);
    const messages = Array.from({ length: 60 }, (_, i) => message(i, 500));
    for (const m of messages) await spool.store(m);
    const segmentsBefore = spool.stats().segments;
    expect(segmentsBefore).toBeGreaterThan(5);
    // Keep one message in the oldest segment alive; remove everything else.
    const survivor = messages[0]!;
    for (const m of messages.slice(1)) await spool.remove(m.id);
    await spool.compact();
    await spool.compact();
    expect(spool.stats().segments).toBeLessThan(3);
    expect((await spool.load(survivor.id)).getData()).toEqual(survivor.getData());
    spool = await reopen(spool, options);
    expect((await all(spool)).map((r) => r.id)).toEqual([survivor.id]);
    await spool.close();
  });

  // A live holder is refused: see spool-lock.test.ts.
  it('takes over a lock whose process is gone', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'spool.lock'), '999999999');
    const spool = await DiskSpool.open({ dir });
    await spool.close();
  });
});
