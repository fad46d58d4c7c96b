import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskSpool } from './disk-spool.js';

// Issue 11: after a crash, a stale spool.lock whose PID now belongs to another process (or to a
// zombie) refused the restart with "spool is in use by process N".

const linux = existsSync('/proc/self/fd');
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function spoolDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mtakit-lock-'));
  dirs.push(dir);
  return dir;
}

/** Starts a process and resolves with the first line it prints. */
function run(command: string, args: string[]): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl !== -1) resolve({ child, line: out.slice(0, nl).trim() });
    });
    child.once('exit', () => reject(new Error(`${command} exited before printing: ${out}`)));
  });
}

describe.skipIf(!linux)('spool lock', () => {
  it('opens when the stale lock names a live process that is not holding the spool', async () => {
    const dir = spoolDir();
    const { child } = await run('sh', ['-c', 'echo ready; exec sleep 30']);
    writeFileSync(join(dir, 'spool.lock'), String(child.pid));
    const spool = await DiskSpool.open({ dir });
    expect(readFileSync(join(dir, 'spool.lock'), 'utf8')).toBe(String(process.pid));
    await spool.close();
  });

  it('opens when the stale lock names a zombie', async () => {
    const dir = spoolDir();
    // The background `sleep` becomes a zombie: its parent execs into `sleep 30`, which never reaps
    // it. It must outlive the exec (a child that ends first can be reaped by the shell itself, as
    // seen in a CI run), hence half a second rather than none.
    const { line } = await run('sh', ['-c', 'sleep 0.5 & echo $!; exec sleep 30']);
    const zombie = Number(line);
    const deadline = Date.now() + 5000;
    while (!/\) Z /.test(readFileSync(`/proc/${zombie}/stat`, 'utf8')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(readFileSync(`/proc/${zombie}/stat`, 'utf8')).toMatch(/\) Z /);
    writeFileSync(join(dir, 'spool.lock'), String(zombie));
    const spool = await DiskSpool.open({ dir });
    await spool.close();
  });

  it('refuses while another process holds the spool open', async () => {
    const dir = spoolDir();
    const lock = join(dir, 'spool.lock');
    // Holds the lock the way DiskSpool does: its PID in the file, the file kept open.
    const script = `const fs = require('node:fs'); fs.writeFileSync(${JSON.stringify(lock)}, String(process.pid)); fs.openSync(${JSON.stringify(lock)}, 'r'); console.log('held'); setTimeout(() => {}, 30000);`;
    const { child } = await run(process.execPath, ['-e', script]);
    await expect(DiskSpool.open({ dir })).rejects.toMatchObject({ code: 'E_SPOOL', message: expect.stringContaining(`in use by process ${child.pid}`) });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // The holder died without cleaning up: the lock is stale now.
    const spool = await DiskSpool.open({ dir });
    await spool.close();
  });
});
