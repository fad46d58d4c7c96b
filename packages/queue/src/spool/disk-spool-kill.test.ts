import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpoolRecord } from '@mtakit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskSpool } from './disk-spool.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs the storing child until it has acknowledged `count` messages, then SIGKILLs it. */
async function storeThenKill(dir: string, count: number, mode = ''): Promise<{ stored: Map<string, number>; removed: Set<string> }> {
  const child = spawn(process.execPath, ['--conditions=@mtakit/source', '--import', 'tsx', join(import.meta.dirname, 'fixtures/store-forever.ts'), dir, mode], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stored = new Map<string, number>();
  const removed = new Set<string>();
  let buffered = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() as string;
      for (const line of lines) {
        const [what, id, attempts] = line.split(' ') as [string, string, string];
        if (what === 'stored') stored.set(id, Number(attempts));
        else removed.add(id);
      }
      if (stored.size + removed.size >= count) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`child exited (${code}) after ${stored.size} stores`)));
  });
  await exited;
  return { stored, removed };
}

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
