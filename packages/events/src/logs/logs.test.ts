import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonlLogWriter } from '@mtakit/core/log';
import type { LogRecord } from '@mtakit/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testRecord } from '../testing/records.js';
import { LogArchiver } from './archiver.js';
import { followLogs } from './follow.js';
import { listSegments, queryLogs, type LogQuery } from './query.js';

const HOUR = 3600;
const T0 = Date.UTC(2026, 11, 1) / 1000;

/** 6,000 records over 12 hours, three tenants, four types, with a transcript to give them bulk. */
function records(): LogRecord[] {
  const types = ['Reception', 'Delivery', 'TransientFailure', 'Bounce'] as const;
  return Array.from({ length: 6000 }, (_, i) => {
    const r = testRecord(i + 1, types[i % 4], ['acme', 'beta', 'gamma'][i % 3]);
    r.timestamp = T0 + Math.floor(i * 12 * HOUR / 6000);
    r.event_time = new Date(r.timestamp * 1000).toISOString();
    r.recipient = `user${i}@${i % 5 === 0 ? 'gmail.com' : 'example.net'}`;
    r.transcript = [`220 mx.example ESMTP ${i}`, 'EHLO mta.example', '250-mx.example', `MAIL FROM:<${r.sender}>`, '250 2.1.0 ok', `RCPT TO:<${r.recipient}>`, '250 2.1.5 ok'];
    return r;
  });
}

async function writeLogs(dir: string, all: LogRecord[]): Promise<void> {
  let now = T0 * 1000;
  const writer = new JsonlLogWriter({ dir, maxFileBytes: 600_000, now: () => now });
  for (const r of all) {
    now = r.timestamp * 1000;
    await writer.write(r);
  }
  await writer.close();
}

async function collect(dir: string, q: LogQuery): Promise<string[]> {
  const ids: string[] = [];
  for await (const r of queryLogs(dir, q)) ids.push(`${r.type}:${r.recipient as string}`);
  return ids;
}

describe('log archive: compressed segments and queries', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtakit-logs-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('compresses every rolled segment but the current one, at least 5x, and answers queries exactly as before', async () => {
    const all = records();
    await writeLogs(dir, all);
    const queries: LogQuery[] = [
      { tenant: 'beta', from: T0 + 3 * HOUR, to: T0 + 4 * HOUR - 1 },
      { types: ['Bounce'], domain: 'gmail.com' },
      { recipient: 'USER42@example.net' },
      { id: all[100]?.id as string },
      { tenant: 'acme', types: ['Delivery'], from: T0 + 11 * HOUR },
      { queue: 'gamma@example.net', to: T0 + HOUR },
    ];
    const before = await Promise.all(queries.map((q) => collect(dir, q)));
    const expected = (q: LogQuery) => all.filter((r) => (q.tenant === undefined || r.meta.tenant === q.tenant)
      && (q.from === undefined || r.timestamp >= q.from) && (q.to === undefined || r.timestamp <= q.to)
      && (q.types === undefined || q.types.includes(r.type)) && (q.id === undefined || r.id === q.id)
      && (q.queue === undefined || r.queue === q.queue)
      && (q.domain === undefined || (r.recipient as string).endsWith(`@${q.domain}`))
      && (q.recipient === undefined || (r.recipient as string).toLowerCase() === q.recipient.toLowerCase())).map((r) => `${r.type}:${r.recipient as string}`);
    expect(before).toEqual(queries.map(expected));

    const archiver = new LogArchiver({ dir });
    await archiver.runOnce();
    const segments = await listSegments(dir);
    expect(segments.filter((s) => !s.compressed)).toHaveLength(1);
    expect(segments.filter((s) => s.compressed).length).toBeGreaterThan(5);
    expect(archiver.rawBytes / archiver.compressedBytes).toBeGreaterThanOrEqual(5);
    expect(await Promise.all(queries.map((q) => collect(dir, q)))).toEqual(before);
  });

  it('ignores what a crash left half-written and redoes it', async () => {
    await writeLogs(dir, records().slice(0, 3000));
    const [first] = await listSegments(dir);
    await writeFile(`${first?.path}.zst.tmp`, 'garbage');
    await writeFile(`${first?.path}.zst`, 'garbage without its index');
    expect(await collect(dir, { tenant: 'acme' })).toHaveLength(1000);
    await new LogArchiver({ dir }).runOnce();
    expect(await collect(dir, { tenant: 'acme' })).toHaveLength(1000);
    expect((await readdir(dir)).some((n) => n.endsWith('.tmp'))).toBe(false);
  });

  it('deletes segments past the retention, never the current one', async () => {
    await writeLogs(dir, records());
    const archiver = new LogArchiver({ dir, retentionMs: 2 * HOUR * 1000, now: () => (T0 + 12 * HOUR) * 1000 });
    await archiver.runOnce();
    const left = await collect(dir, {});
    expect(left.length).toBeLessThan(6000);
    expect(left.length).toBeGreaterThan(6000 * 2 / 12 - 1);
    expect(left.at(-1)).toBe('Bounce:user5999@example.net');
  });

  it('follows new records across a segment roll', async () => {
    let now = T0 * 1000;
    const writer = new JsonlLogWriter({ dir, maxFileBytes: 2_000, now: () => (now += 1000) });
    await writer.write(testRecord(1));
    const stop = new AbortController();
    const seen: string[] = [];
    const following = (async () => {
      for await (const r of followLogs(dir, stop.signal, 20)) {
        seen.push(r.id);
        if (seen.length === 10) stop.abort();
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    for (let n = 2; n <= 11; n++) await writer.write(testRecord(n));
    const deadline = Date.now() + 10_000;
    while (seen.length < 10 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    await following;
    await writer.close();
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => testRecord(i + 2).id));
    expect((await listSegments(dir)).length).toBeGreaterThan(1);
  });
});
