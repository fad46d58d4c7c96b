import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmtpSink } from '@mtakit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { injectMessages, injectOnceAccepting } from './helpers/inject.js';
import { startMtaProcess, type MtaProcess } from './helpers/mta-process.js';

/** Mounts a 16 MiB tmpfs (needs root and mount rights); undefined when it cannot. */
function smallDisk(): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'mtakit-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

const disk = smallDisk();
if (!disk) console.warn('reliability-disk-full: skipped, a tmpfs cannot be mounted here (needs root)');

/**
 * Issue 11: the example MTA with its spool and logs on a small tmpfs that fills up. It must stay
 * up, answer 452 4.3.1 (not 451, not a reset), recover by itself when space returns, and deliver
 * every message it acknowledged.
 */
describe.skipIf(!disk)('the MTA on a full disk (tmpfs)', () => {
  const sink = new SmtpSink();
  let mta: MtaProcess | undefined;
  beforeAll(() => sink.start());
  afterAll(async () => {
    await mta?.kill('SIGKILL');
    await sink.stop();
    if (disk) {
      execFileSync('umount', ['-l', disk]);
      rmSync(disk, { recursive: true, force: true });
    }
  });

  it('refuses with 452 4.3.1 while full, stays up, recovers when space returns, loses nothing acknowledged', async () => {
    const dir = disk as string;
    mta = await startMtaProcess({ MTAKIT_DATA_DIR: dir, MTAKIT_SMARTHOST: sink.address });
    // Leave about 400 kB: a few dozen 8 kB messages fit, then the spool's writes fail.
    const { bavail, bsize } = statfsSync(dir);
    const filler = join(dir, 'filler');
    writeFileSync(filler, Buffer.alloc(Math.max(0, bavail * bsize - 400 * 1024)));
    const full = await injectMessages(mta.smtpPort, Array.from({ length: 300 }, (_, i) => `full${i}@dest.test`), { connections: 10, size: 8192 });
    expect(full.failed.length).toBeGreaterThan(0);
    for (const f of full.failed) expect(f.error).toMatch(/452 4\.3\.1|421 4\.3\.2/);
    expect(full.failed.some((f) => /452 4\.3\.1 Insufficient system storage/.test(f.error))).toBe(true);
    expect(mta.child.exitCode).toBeNull();

    rmSync(filler);
    const after = await injectOnceAccepting(mta.smtpPort, 'again', 20);
    expect(after.acked.length).toBe(21);
    const acked = [...full.acked, ...after.acked];
    await sink.waitFor(() => acked.every((r) => sink.byRecipient.has(r)), 60_000);
    console.info(`disk-full test: ${full.acked.length} acknowledged and ${full.failed.length} refused while full, ${after.acked.length} after, 0 lost`);
    expect(mta.child.exitCode).toBeNull();
    expect(mta.output()).toMatch(/storage exhausted/);
  });
});
