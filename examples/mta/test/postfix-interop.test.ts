import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startMta, type RunningMta } from '../src/mta.js';

/** Postfix's tools, from Debian's postfix package (installed by .ci/run). */
function tool(name: string): string | undefined {
  for (const dir of ['/usr/sbin', '/usr/bin', ...(process.env['PATH'] ?? '').split(':')]) {
    if (spawnSync('test', ['-x', join(dir, name)]).status === 0) return join(dir, name);
  }
  return undefined;
}
const smtpSource = tool('smtp-source');
const smtpSink = tool('smtp-sink');
if (!smtpSource || !smtpSink) console.warn('skipping the Postfix interoperability test: smtp-source/smtp-sink not found (apt-get install postfix)');

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Postfix's own client and sink on both sides of the MTA: pipelining, reuse, many sessions. */
describe.skipIf(!smtpSource || !smtpSink)('interoperability with Postfix smtp-source and smtp-sink', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mtakit-postfix-'));
  let mta: RunningMta;
  let sinkPort: number;
  let sink: ReturnType<typeof spawn> | undefined;

  beforeAll(async () => {
    sinkPort = await freePort();
    const args = [`127.0.0.1:${sinkPort}`, '100'];
    if (process.getuid?.() === 0) args.unshift('-u', 'nobody');
    sink = spawn(smtpSink as string, args, { stdio: 'ignore' });
    mta = await startMta(loadConfig({ MTAKIT_DATA_DIR: dataDir, MTAKIT_SMARTHOST: `127.0.0.1:${sinkPort}`, MTAKIT_SMTP_LISTEN: '127.0.0.1:0', MTAKIT_HTTP_LISTEN: '127.0.0.1:0' }), { logger: () => undefined });
  });
  afterAll(async () => {
    sink?.kill();
    await mta?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('accepts 60 messages from smtp-source over 6 reused sessions and relays all of them to smtp-sink', async () => {
    // Asynchronously: the MTA runs in this process and must keep answering meanwhile.
    const child = spawn(smtpSource as string, ['-s', '6', '-m', '60', '-l', '2048', '-d', '-N', '-f', 'postfix@example.com', '-t', 'rcpt@dest.test', `127.0.0.1:${mta.smtp.port}`]);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(status).toBe(0);
    expect(stderr).not.toMatch(/fatal|error/i);
    const logs = () => readdirSync(join(dataDir, 'logs')).map((f) => readFileSync(join(dataDir, 'logs', f), 'utf8')).join('');
    await expect.poll(() => logs().split('\n').filter((l) => l.includes('"type":"Delivery"')).length, { timeout: 30_000 }).toBe(60);
    expect(logs()).not.toMatch(/"type":"(TransientFailure|Bounce)"/);
  });
});
