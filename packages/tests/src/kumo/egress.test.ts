import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKumoHarness, type KumoHarness } from './harness.js';

// Scenarios ported from KumoMTA's crates/integration-tests (Apache-2.0, KumoCorp): retries,
// egress limits, TLS and 8-bit content between the source and the sink.
describe('KumoMTA integration scenarios: egress', () => {
  let h: KumoHarness;
  beforeAll(async () => {
    h = await startKumoHarness({
      sink: { tls: true },
      policy: {
        get_queue_config: (domain) => (domain === 'retry.test' ? { retry_interval: '2s', protocol: { smtp: { mx_list: [h.sink.address] } } } : undefined),
        get_egress_path_config: () => ({ enable_tls: 'OpportunisticInsecure' }),
      },
    });
  });
  afterAll(async () => h?.stop());
  const of = (type: string, to: string) => h.records.filter((r) => r.type === type && r.recipient === to);

  // Ports retry_schedule.rs `retry_schedule_timerwheel` (one strategy in mtakit: the other strategy variants are the same scenario).
  it('retries a transient failure on the configured schedule: at once, then after retry_interval', async () => {
    expect(await h.send(['tempfail@retry.test'])).toEqual([expect.stringMatching(/^250/)]);
    await expect.poll(() => of('TransientFailure', 'tempfail@retry.test').length, { timeout: 30_000 }).toBeGreaterThan(1);
    const [first, second] = of('TransientFailure', 'tempfail@retry.test').map((r) => r.timestamp - r.created);
    expect(first).toBeLessThanOrEqual(1);
    expect((second as number) - (first as number)).toBeGreaterThanOrEqual(2);
    expect((second as number) - (first as number)).toBeLessThanOrEqual(3);
  });

  // Ports tls_info_log.rs `tls_info_log`.
  it('records the TLS cipher and version of the delivery, and none for a plain reception', async () => {
    expect(await h.send(['tls@example.com'])).toEqual([expect.stringMatching(/^250/)]);
    await h.sink.waitFor(() => h.sink.for('tls@example.com').length === 1);
    expect(h.sink.for('tls@example.com')[0]?.secure).toBe(true);
    await expect.poll(() => of('Delivery', 'tls@example.com').length).toBe(1);
    const [delivery] = of('Delivery', 'tls@example.com');
    const [reception] = of('Reception', 'tls@example.com');
    expect(reception?.tls_cipher).toBeNull();
    expect(delivery?.tls_cipher).toEqual(expect.any(String));
    expect(delivery?.tls_protocol_version).toMatch(/TLS/);
  });

  /** One transaction with these MAIL and RCPT parameters and raw DATA; the final reply code. */
  const transaction = (mail: string, rcpt: string, data: string) => h.session(async (c) => {
    expect((await c.command(mail)).code).toBe(250);
    expect((await c.command(rcpt)).code).toBe(250);
    expect((await c.command('DATA')).code).toBe(354);
    c.write(Buffer.from(`${data}\r\n.\r\n`, 'utf8'));
    return (await c.read()).code;
  });

  // Ports eightbitmime.rs `eightbit_yes_8bitmime`.
  it('relays an 8-bit body intact to a peer that offers 8BITMIME', async () => {
    const data = 'Subject: =?utf-8?q?=F0=9F=91=BE?=\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nhello 👾';
    expect(await transaction('MAIL FROM:<sender@example.com> BODY=8BITMIME', 'RCPT TO:<eightbit@example.com>', data)).toBe(250);
    await h.sink.waitFor(() => h.sink.for('eightbit@example.com').length === 1);
    expect(h.sink.for('eightbit@example.com')[0]?.data.toString('utf8')).toContain('hello 👾');
  });

  // Ports eightbitmime.rs `eightbit_yes_smtputf8`.
  it('relays to an internationalized local part with SMTPUTF8', async () => {
    expect(await transaction('MAIL FROM:<sender@example.com> SMTPUTF8', 'RCPT TO:<👾@example.com>', 'Subject: invader\r\n\r\nhello')).toBe(250);
    await h.sink.waitFor(() => h.sink.for('👾@example.com').length === 1);
  });
});
