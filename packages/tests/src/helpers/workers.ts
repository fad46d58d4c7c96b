import { request } from 'node:http';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { MtaProcess } from './mta-process.js';

/** Waits until a multi-worker MTA says all its workers are ready; returns each worker's latest PID by shard. */
export async function workersReady(mta: MtaProcess, count: number, timeoutMs = 150_000): Promise<Map<number, number>> {
  const deadline = Date.now() + timeoutMs;
  while (!mta.output().includes(`cluster: all ${count} workers ready`)) {
    if (Date.now() > deadline || mta.child.exitCode !== null) throw new Error(`workers did not start:\n${mta.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return workerPids(mta.output());
}

/** Each shard's latest worker PID, from the primary's `cluster: worker <i> started, pid <p>` lines. */
export function workerPids(output: string): Map<number, number> {
  const pids = new Map<number, number>();
  for (const m of output.matchAll(/cluster: worker (\d+) started, pid (\d+)/g)) pids.set(Number(m[1]), Number(m[2]));
  return pids;
}

/** Bytes in a shard's spool segments (0 when the shard has none): which shards hold mail. */
export function spoolBytes(dataDir: string, shard: number): number {
  const dir = join(dataDir, shard === 0 ? '' : `shard-${shard}`, 'spool');
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.seg')).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  } catch {
    return 0;
  }
}

/** Resolves once none of the PIDs is alive (a SIGKILLed primary's workers exit on their own). */
export async function processesGone(pids: Iterable<number>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  while ([...pids].some(alive)) {
    if (Date.now() > deadline) throw new Error(`processes still running: ${[...pids].filter(alive).join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The first match of `pattern` in the process's output, waiting for it up to `timeoutMs`. */
export async function outputMatch(mta: MtaProcess, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = pattern.exec(mta.output());
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`no ${pattern} in the output:\n${mta.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One admin API call on a fresh connection (so the kernel may hand it to any worker). */
export function adminCall(port: number, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers: text ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) } : {} }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: /^[[{]/.test(data) && !/^application\/x-ndjson/.test(res.headers['content-type'] ?? '') ? JSON.parse(data) : data }));
    });
    req.once('error', reject);
    req.end(text);
  });
}
