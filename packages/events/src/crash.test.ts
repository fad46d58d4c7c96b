import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { testRecord } from './testing/records.js';
import { TestReceiver } from './testing/receiver.js';

const child = fileURLToPath(new URL('../test/publisher-child.ts', import.meta.url));

function publisher(dir: string, url: string, from: number, to: number): { proc: ChildProcess; acked: () => number; done: Promise<void> } {
  const proc = spawn(process.execPath, ['--conditions=@mtakit/source', '--import', 'tsx/esm', child, dir, url, String(from), String(to)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let acked = from - 1;
  let published = false;
  proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    for (const m of chunk.matchAll(/acked (\d+)/g)) acked = Number(m[1]);
    if (chunk.includes('published')) published = true;
  });
  const done = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  return { proc, acked: () => acked, done: done.then(() => { if (!published && proc.signalCode === null) throw new Error('publisher failed'); }) };
}

async function until(check: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('events across a SIGKILL', () => {
  let dir: string;
  const receiver = new TestReceiver();
  afterEach(async () => {
    await receiver.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('delivers every acknowledged event after the publisher is killed while the receiver is down', async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtakit-events-crash-'));
    await receiver.listen();
    receiver.mode = 'fail';
    const first = publisher(dir, receiver.url, 1, 100_000);
    await until(() => first.acked() >= 40, 90_000);
    first.proc.kill('SIGKILL');
    await first.done.catch(() => undefined);
    const ackedBeforeKill = first.acked();

    receiver.mode = 'ok';
    const second = publisher(dir, receiver.url, 100_001, 100_010);
    await until(() => {
      const got = new Set(receiver.eventIds());
      return got.size >= ackedBeforeKill * 2 + 20;
    }, 90_000);
    second.proc.kill('SIGKILL');
    await second.done.catch(() => undefined);

    const got = new Set(receiver.eventIds());
    for (let n = 1; n <= ackedBeforeKill; n++) {
      const reception = testRecord(n, 'Reception');
      expect(receiver.received.some((r) => (JSON.parse(r.body) as { record: { id: string } }).record.id === reception.id)).toBe(true);
    }
    // Per message, Reception arrives before Delivery (first arrival of each).
    const order = receiver.received.map((r) => JSON.parse(r.body) as { type: string; record: { id: string } });
    for (let n = 1; n <= ackedBeforeKill; n++) {
      const id = testRecord(n).id;
      const first = order.findIndex((e) => e.record.id === id && e.type === 'Reception');
      const last = order.findIndex((e) => e.record.id === id && e.type === 'Delivery');
      expect(first).toBeLessThan(last);
    }
    expect(got.size).toBeGreaterThanOrEqual(ackedBeforeKill * 2);
  }, 240_000);
});
