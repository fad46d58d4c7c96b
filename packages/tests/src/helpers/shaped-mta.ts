import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Policy } from '@mtakit/core';
import type { SinkMessage } from '@mtakit/core/testing';
import { startPolicyMta, type PolicyMta } from './policy-mta.js';

/**
 * Starts the example MTA in this process with one shaping file of the test's own (its
 * MTAKIT_SHAPING_FILES; the shaping feature reads that variable when the MTA starts). `file` is
 * TOML, or JSON when `name` ends in `.json`.
 */
export async function startShapedMta(file: string, env: Record<string, string>, options: { policy?: Policy; name?: string } = {}): Promise<PolicyMta & { get<T>(path: string): Promise<T> }> {
  const dir = mkdtempSync(join(tmpdir(), 'mtakit-shaping-file-'));
  const path = join(dir, options.name ?? 'shaping.toml');
  writeFileSync(path, file);
  const before = process.env['MTAKIT_SHAPING_FILES'];
  process.env['MTAKIT_SHAPING_FILES'] = path;
  let mta: PolicyMta;
  try {
    mta = await startPolicyMta(env, options.policy ? { policy: options.policy } : {});
  } finally {
    if (before === undefined) delete process.env['MTAKIT_SHAPING_FILES'];
    else process.env['MTAKIT_SHAPING_FILES'] = before;
  }
  return {
    ...mta,
    get: async <T>(p: string) => {
      const res = await fetch(`http://127.0.0.1:${mta.mta.http.port}${p}`);
      if (!res.ok) throw new Error(`GET ${p}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    stop: async () => {
      await mta.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Arrival times (ms) of the messages whose first recipient starts with `prefix`, in order. */
export function arrivals(messages: readonly SinkMessage[], prefix = ''): number[] {
  return messages.filter((m) => (m.recipients[0] ?? '').startsWith(prefix)).map((m) => m.receivedAt).sort((a, b) => a - b);
}

/** Messages per second between the `from`-th and the last arrival (0-based), a steady-state rate past any burst. */
export function rateAfter(times: readonly number[], from: number): number {
  const first = times[from];
  const last = times.at(-1);
  if (first === undefined || last === undefined || last === first) return Infinity;
  return ((times.length - 1 - from) * 1000) / (last - first);
}
