import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startMtaProcess } from './helpers/mta-process.js';

/** Every live process below `pid` (from /proc; Linux only). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The parent pid is the 2nd field after the parenthesised command name.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process ended while we looked.
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parents) if (parent === p) out.push(child), walk(child);
  };
  walk(pid);
  return out;
}

function alive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\S+ \(.*\) Z/.test(state);
  } catch {
    return false;
  }
}

describe.skipIf(process.platform !== 'linux')('npm start under a supervisor', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mtakit-npm-start-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('SIGTERM to the npm process stops the MTA', async () => {
    // npm runs the script through `sh -c`; a shell that does not forward the signal would leave the MTA running.
    const mta = await startMtaProcess({ MTAKIT_DATA_DIR: dataDir, MTAKIT_SHAPING: 'off', MTAKIT_SCORER: 'off' }, 60_000, ['npm', 'start', '--silent']);
    const below = descendants(mta.child.pid as number);
    expect(below.length).toBeGreaterThan(0);
    try {
      mta.child.kill('SIGTERM');
      await mta.exited;
      const deadline = Date.now() + 10_000;
      while (below.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(below.filter(alive), `still running after npm stopped:\n${mta.output()}`).toEqual([]);
    } finally {
      for (const pid of below.filter(alive)) process.kill(pid, 'SIGKILL');
    }
  }, 90_000);
});
