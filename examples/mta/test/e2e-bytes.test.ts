import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawSmtpClient, SmtpSink } from '@mtakit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startMta, type RunningMta } from '../src/mta.js';

/**
 * Through the whole MTA (SMTP in, spool, queue, SMTP out): the bytes the client sent arrive at the
 * destination unchanged — dot-stuffed lines, 8-bit bytes, long lines — behind our Received header.
 */
describe('message bytes relayed byte-exact through ingress, spool and egress', () => {
  const sink = new SmtpSink();
  const dataDir = mkdtempSync(join(tmpdir(), 'mtakit-bytes-'));
  let mta: RunningMta;

  beforeAll(async () => {
    await sink.start();
    mta = await startMta(loadConfig({ MTAKIT_DATA_DIR: dataDir, MTAKIT_SMARTHOST: sink.address, MTAKIT_SMTP_LISTEN: '127.0.0.1:0', MTAKIT_HTTP_LISTEN: '127.0.0.1:0' }), { logger: () => undefined });
  });
  afterAll(async () => {
    await mta?.stop();
    await sink.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps dots, 8-bit bytes and 5,000-character lines intact', async () => {
    const original = Buffer.concat([
      Buffer.from('From: a@example.com\r\nSubject: caf'),
      Buffer.from([0xc3, 0xa9]),
      Buffer.from('\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'),
      Buffer.from('.a line starting with a dot\r\n..two dots\r\n.\r\n \r\n'),
      Buffer.from('z'.repeat(5000)),
      Buffer.from('\r\n\u00e9\u00e8\u00ea raw utf-8, and latin-1: ', 'utf8'),
      Buffer.from([0xe9, 0xff]),
      Buffer.from('\r\nlast line\r\n'),
    ]);
    // On the wire the client dot-stuffs: every line starting with "." gets another ".".
    const wire = Buffer.from(original.toString('latin1').replace(/(^|\r\n)\./g, '$1..'), 'latin1');
    const c = await RawSmtpClient.connect(mta.smtp.port);
    await c.read();
    await c.command('EHLO client.test');
    expect((await c.command('MAIL FROM:<a@example.com> BODY=8BITMIME')).code).toBe(250);
    expect((await c.command('RCPT TO:<bytes@dest.test>')).code).toBe(250);
    expect((await c.command('DATA')).code).toBe(354);
    c.write(Buffer.concat([wire, Buffer.from('.\r\n')]));
    expect((await c.read()).code).toBe(250);
    c.close();
    await sink.waitFor(() => sink.for('bytes@dest.test').length === 1);
    const received = sink.for('bytes@dest.test')[0]!.data;
    const afterTrace = received.subarray(received.indexOf('\r\n', received.indexOf('Received:')) + 2);
    expect(received.toString('latin1')).toMatch(/^Received: from client\.test /);
    expect(afterTrace.equals(original)).toBe(true);
  });

  it('relays a transaction with several recipients as one transaction', async () => {
    const c = await RawSmtpClient.connect(mta.smtp.port);
    await c.read();
    await c.command('EHLO client.test');
    await c.command('MAIL FROM:<a@example.com>');
    for (const r of ['m1@dest.test', 'm2@dest.test', 'm3@dest.test']) expect((await c.command(`RCPT TO:<${r}>`)).code).toBe(250);
    await c.command('DATA');
    c.write('Subject: to three\r\n\r\nhello\r\n.\r\n');
    expect((await c.read()).code).toBe(250);
    c.close();
    await sink.waitFor(() => sink.byRecipient.has('m3@dest.test') && sink.byRecipient.has('m1@dest.test') && sink.byRecipient.has('m2@dest.test'));
    const transactions = sink.messages.filter((m) => m.recipients.some((r) => r.startsWith('m')));
    expect(transactions).toHaveLength(1);
    expect(transactions[0]!.recipients.sort()).toEqual(['m1@dest.test', 'm2@dest.test', 'm3@dest.test']);
    expect(transactions[0]!.data.toString()).not.toMatch(/ for </);
  });
});
