import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './mta-process.js';

/** Runs the real `mtakit` command (examples/mta/bin/mtakit.mjs) and returns its outcome. */
export function mtakit(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(repoRoot, 'examples/mta/bin/mtakit.mjs'), ...args], {
    cwd: repoRoot, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
