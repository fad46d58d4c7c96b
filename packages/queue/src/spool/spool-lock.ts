import { open, readdir, readFile, readlink, realpath, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { MtaKitError } from '@mtakit/core';

/**
 * Takes the spool in `dir`: `spool.lock` holds our PID and stays open (the handle returned) for as
 * long as the spool is, so a later start can tell a live holder from a stale file (`holdsLock`).
 */
export async function takeSpoolLock(dir: string): Promise<FileHandle> {
  const path = join(dir, 'spool.lock');
  const holder = Number(await readFile(path, 'utf8').catch(() => '0'));
  if (holder > 0 && holder !== process.pid && (await holdsLock(holder, path))) {
    throw new MtaKitError('E_SPOOL', `spool ${dir} is in use by process ${holder}`);
  }
  await writeFile(path, String(process.pid));
  return open(path, 'r');
}

/**
 * Whether process `pid` holds the spool lock at `lockPath`. A PID in a stale lock file may have
 * been reused by an unrelated process after a crash, or belong to a zombie: neither may block a
 * restart. A spool keeps its lock file open while it runs, so on Linux the holder is the process
 * that is alive, not a zombie, and has the file among its open descriptors (/proc/PID/fd). Where
 * /proc cannot tell (another OS, no permission), a live PID counts as the holder.
 */
export async function holdsLock(pid: number, lockPath: string): Promise<boolean> {
  if (!isAlive(pid)) return false;
  const state = await processState(pid);
  if (state === 'Z' || state === 'X') return false;
  let fds: string[];
  try {
    fds = await readdir(`/proc/${pid}/fd`);
  } catch (error) {
    // No /proc, or no permission to look: be safe and count it as the holder. ENOENT with a
    // state read a moment ago: it has just ended.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT' || state === undefined;
  }
  const target = await realpath(lockPath).catch(() => lockPath);
  for (const fd of fds) {
    const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    if (link === target) return true;
  }
  return false;
}

/** The state letter of /proc/PID/stat (R, S, D, Z, X…), or undefined without /proc. */
async function processState(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  // "pid (comm) S ...": comm may contain spaces and parentheses; the state follows the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
