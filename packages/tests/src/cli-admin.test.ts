import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, startMtaProcess, type MtaProcess } from './helpers/mta-process.js';

const bin = join(repoRoot, 'examples/mta/bin/mtakit.mjs');

function mtakit(args: string[], env: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('mtakit admin commands against an MTA that does not trust this client', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mtakit-cli-admin-'));
  let mta: MtaProcess;
  let url: string;
  beforeAll(async () => {
    mta = await startMtaProcess({
      MTAKIT_DATA_DIR: dataDir, MTAKIT_SHAPING: 'off', MTAKIT_SCORER: 'off',
      // Loopback is not trusted: the admin API wants HTTP Basic credentials.
      MTAKIT_TRUSTED_HOSTS: '192.0.2.0/24', MTAKIT_ADMIN_USERS: 'ops:s3cret',
    });
    url = `http://127.0.0.1:${mta.httpPort}`;
  }, 90_000);
  afterAll(async () => {
    await mta?.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('explains a 401: how to pass credentials, or that the given ones were refused', async () => {
    const none = await mtakit(['queue', 'summary', '--url', url]);
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/HTTP 401.*pass --credentials user:password \(or set MTAKIT_ADMIN_CREDENTIALS\) with a user of its MTAKIT_ADMIN_USERS/);
    const wrong = await mtakit(['queue', 'summary', '--url', url, '--credentials', 'ops:wrong']);
    expect(wrong.stderr).toMatch(/HTTP 401.*refused these credentials/);
  }, 90_000);

  it('prints tables for people and the API\'s JSON with --json', async () => {
    const text = await mtakit(['queue', 'summary', '--url', url], { MTAKIT_ADMIN_CREDENTIALS: 'ops:s3cret' });
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^SCHEDULED QUEUES/);
    const json = await mtakit(['queue', 'summary', '--url', url, '--json'], { MTAKIT_ADMIN_CREDENTIALS: 'ops:s3cret' });
    expect(JSON.parse(json.stdout)).toMatchObject({ scheduled: [], ready: [] });
    const suspensions = await mtakit(['queue', 'suspensions', '--url', url, '--json', '--credentials', 'ops:s3cret']);
    expect(JSON.parse(suspensions.stdout)).toEqual([]);
  }, 90_000);
});
