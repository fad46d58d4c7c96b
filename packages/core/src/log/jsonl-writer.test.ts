import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonlLogWriter, type LogWriterState } from './jsonl-writer.js';
import { logRecordDefaults } from './record-defaults.js';
import type { LogRecord } from './records.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function record(i: number): LogRecord {
  return { ...logRecordDefaults(), type: 'Delivery', id: i.toString(16).padStart(32, '0'), sender: 'a@b.test', recipient: `r${i}@c.test`, queue: 'c.test' } as LogRecord;
}

describe('JsonlLogWriter', () => {
  it('writes one JSON object per line; write() resolves once the line is in the file', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'mtakit-log-')), 'nested', 'logs');
    dirs.push(dir);
    const writer = new JsonlLogWriter({ dir });
    await Promise.all(Array.from({ length: 100 }, (_, i) => writer.write(record(i))));
    const lines = readFileSync(writer.current as string, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(100);
    expect(JSON.parse(lines[42] as string)).toMatchObject({ type: 'Delivery', recipient: 'r42@c.test' });
    await writer.close();
  });

  it('writes batches larger than its encoding buffer, very long lines and multi-byte text whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtakit-log-'));
    dirs.push(dir);
    const writer = new JsonlLogWriter({ dir });
    // 3,000 records of ~1 KB in one turn (several buffers' worth), one of 300,000 characters
    // (longer than the buffer) in the middle, and text that is 2-4 bytes per character in UTF-8.
    const records = Array.from({ length: 3000 }, (_, i) => ({ ...record(i), meta: { note: `é€😀${'x'.repeat(i === 1500 ? 300_000 : 900)}` } }) as LogRecord);
    await Promise.all(records.map((r) => writer.write(r)));
    const lines = readFileSync(writer.current as string, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toEqual(records.map((r) => JSON.stringify(r)));
    await writer.close();
  });

  it('rolls to a new segment by size and by age, naming segments by their start time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtakit-log-'));
    dirs.push(dir);
    let now = Date.UTC(2026, 0, 2, 3, 4, 5);
    const writer = new JsonlLogWriter({ dir, maxFileBytes: 1000, maxSegmentMs: 60_000, now: () => now });
    for (let i = 0; i < 10; i++) await writer.write(record(i));
    const bySize = readdirSync(dir).length;
    expect(bySize).toBeGreaterThan(2);
    now += 61_000;
    await writer.write(record(99));
    expect(readdirSync(dir).length).toBe(bySize + 1);
    expect(readdirSync(dir)[0]).toMatch(/^20260102-030405-\d{4}\.jsonl$/);
    const total = readdirSync(dir).flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n'));
    expect(total).toHaveLength(11);
    await writer.close();
  });
});

describe('JsonlLogWriter when the disk is full', () => {
  it.skipIf(!existsSync('/dev/full'))('rejects the records it cannot write with E_LOG_WRITE, reports once, and recovers on its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtakit-log-'));
    dirs.push(dir);
    const now = Date.UTC(2026, 0, 2, 3, 4, 5);
    // The first two segments are /dev/full: every write to them fails with ENOSPC, as on a full disk.
    for (const n of ['0000', '0001']) symlinkSync('/dev/full', join(dir, `20260102-030405-${n}.jsonl`));
    const states: LogWriterState[] = [];
    const writer = new JsonlLogWriter({ dir, now: () => now, onStateChange: (s) => void states.push(s) });
    const failed = [await writer.write(record(1)).catch((e: unknown) => e), await writer.write(record(2)).catch((e: unknown) => e)];
    expect(states.map((s) => s.ok)).toEqual([false]);
    const error = failed[1] as { code: string; cause: { code: string } };
    expect(error.code).toBe('E_LOG_WRITE');
    expect(error.cause.code).toBe('ENOSPC');
    expect(writer.healthy).toBe(false);
    // Space is back (the next segment is an ordinary file): writing resumes without a restart.
    await writer.write(record(3));
    await writer.write(record(4));
    expect(writer.healthy).toBe(true);
    expect(states.map((s) => s.ok)).toEqual([false, true]);
    const lines = readFileSync(writer.current as string, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { recipient: string });
    expect(lines.map((l) => l.recipient)).toEqual(['r3@c.test', 'r4@c.test']);
    await writer.close();
  });
});
