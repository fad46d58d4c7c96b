import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SinkMessage } from '@mtakit/core/testing';
import { loadConfig } from '../../src/config.js';
import { startMta, type RunningMta, type StartOptions } from '../../src/mta.js';

export interface ShapedMta {
  mta: RunningMta;
  /** Every line the MTA logged, as "LEVEL message". */
  logs: string[];
  /** A JSON GET on the admin API. */
  get<T>(path: string): Promise<T>;
  /** `GET /metrics` (Prometheus text). */
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts the example MTA in this process, on free ports and without fsync, with one shaping file
 * of the test's own as MTAKIT_SHAPING_FILES, after the files in `before` (the shaping feature
 * reads that variable when the MTA starts; `file` is TOML, or JSON when `name` ends in `.json`),
 * `env` as its environment and `options` (the application's policy, a test resolver) as startMta's.
 */
export async function startShapedMta(file: string, env: Record<string, string>, options: StartOptions & { name?: string; before?: string[] } = {}): Promise<ShapedMta> {
  const dir = mkdtempSync(join(tmpdir(), 'mtakit-shaping-'));
  const path = join(dir, options.name ?? 'shaping.toml');
  writeFileSync(path, file);
  const logs: string[] = [];
  const config = loadConfig({
    MTAKIT_DATA_DIR: join(dir, 'data'), MTAKIT_SMTP_LISTEN: '127.0.0.1:0', MTAKIT_HTTP_LISTEN: '127.0.0.1:0', MTAKIT_FSYNC: 'false', ...env,
  }, dir);
  const before = process.env['MTAKIT_SHAPING_FILES'];
  process.env['MTAKIT_SHAPING_FILES'] = [...(options.before ?? []), path].join(',');
  let mta: RunningMta;
  try {
    const { name: _name, before: _before, ...start } = options;
    mta = await startMta(config, { logger: (level, message) => logs.push(`${level.toUpperCase()} ${message}`), ...start });
  } finally {
    if (before === undefined) delete process.env['MTAKIT_SHAPING_FILES'];
    else process.env['MTAKIT_SHAPING_FILES'] = before;
  }
  const url = (p: string) => `http://127.0.0.1:${mta.http.port}${p}`;
  return {
    mta,
    logs,
    get: async <T>(p: string) => {
      const res = await fetch(url(p));
      if (!res.ok) throw new Error(`GET ${p}: ${res.status} ${await res.text()}`);
      return (await res.json()) as T;
    },
    metrics: async () => (await fetch(url('/metrics'))).text(),
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
