import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpoolRecord } from '@mtakit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskSpool } from './disk-spool.js';
import { storeThenKill } from './fixtures/store-then-kill.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('DiskSpool under SIGKILL', () => {
  it('recovers every acknowledged message, with its latest acknowledged meta, after kill -9 mid-write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtakit-spool-kill-'));
    dirs.push(dir);
    const { stored, removed } = await storeThenKill(dir, 3000);
    await expectAcknowledged(dir, stored, removed);
  }, 60_000);

  it('loses nothing acknowledged when killed before, during or after index checkpoints, run after run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtakit-spool-kill-'));
    dirs.push(dir);
    const stored = new Map<string, number>();
    const removed = new Set<string>();
    // Each run recovers from the last one's snapshot and replay, then is killed at a random point.
    for (let run = 0; run < 3; run++) {
      const got = await storeThenKill(dir, 1500 + Math.floor(Math.random() * 2500), 'checkpoints');
      for (const [id, attempts] of got.stored) stored.set(id, attempts);
      for (const id of got.removed) removed.add(id);
    }
    const logs = await expectAcknowledged(dir, stored, removed);
    // The restart used a snapshot the killed runs wrote (not only a full scan).
    expect(logs.join('\n')).toMatch(/index snapshot loaded/);
  }, 120_000);
});

/** Opens the spool (returning its log lines) and checks it against what the children acknowledged. */
async function expectAcknowledged(dir: string, stored: Map<string, number>, removed: Set<string>): Promise<string[]> {
  const logs: string[] = [];
  const spool = await DiskSpool.open({ dir, log: (_level, m) => logs.push(m) });
  const recovered = new Map<string, SpoolRecord>();
  for await (const r of spool.enumerate()) recovered.set(r.id, r);
  const lost = [...stored.keys()].filter((id) => !recovered.has(id));
  expect(lost).toEqual([]);
  // A removal that was acknowledged stays removed; an acknowledged meta update is kept.
  expect([...removed].filter((id) => recovered.has(id))).toEqual([]);
  expect([...stored].filter(([id, attempts]) => (recovered.get(id)?.numAttempts ?? 0) < attempts)).toEqual([]);
  for (const id of [...stored.keys()].slice(-50)) expect((await spool.load(id)).getData().length).toBe(recovered.get(id)?.size);
  await spool.close();
  return logs;
}
