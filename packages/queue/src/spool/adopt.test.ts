import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Message } from '@mtakit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { adoptSpool } from './adopt.js';
import { DiskSpool } from './disk-spool.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function message(i: number): Message {
  const m = new Message({ sender: 'a@example.com', recipient: `r${i}@example.net`, meta: { n: i }, data: Buffer.from(`Subject: ${i}\r\n\r\nbody ${i}\r\n`) });
  m.numAttempts = i % 3;
  m.due = i % 2 === 0 ? undefined : 1_900_000_000_000 + i;
  return m;
}

describe('adoptSpool', () => {
  it('moves every message with its attempts and due time, skips the ones a crashed move already copied, and deletes the source', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mtakit-adopt-'));
    dirs.push(root);
    const from = join(root, 'shard-1', 'spool');
    const messages = Array.from({ length: 600 }, (_, i) => message(i));
    const source = await DiskSpool.open({ dir: from, fsync: false });
    await Promise.all(messages.map((m) => source.store(m)));
    await source.close();
    // A move that crashed after copying the first 100 (and before removing them from the source).
    const into = await DiskSpool.open({ dir: join(root, 'spool'), fsync: false });
    await Promise.all(messages.slice(0, 100).map((m) => into.store(m)));

    expect(await adoptSpool(from, into, { fsync: false })).toBe(600);
    expect(existsSync(from)).toBe(false);
    await into.close();
    const reopened = await DiskSpool.open({ dir: join(root, 'spool'), fsync: false });
    const seen = new Map<string, { numAttempts: number; due: number | undefined }>();
    for await (const r of reopened.enumerate()) {
      expect(seen.has(r.id)).toBe(false);
      seen.set(r.id, { numAttempts: r.numAttempts, due: r.due });
    }
    expect(seen.size).toBe(600);
    for (const m of messages) expect(seen.get(m.id)).toEqual({ numAttempts: m.numAttempts, due: m.due });
    expect((await reopened.load(messages[7]!.id)).getData().toString()).toContain('body 7');
    await reopened.close();
  });
});
