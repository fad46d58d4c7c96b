import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKumoHarness, type KumoHarness } from './harness.js';

// Scenarios ported from KumoMTA's crates/integration-tests (Apache-2.0, KumoCorp), re-expressed
// over mtakit: a source MTA relaying to a sink whose local parts ask for failures.
describe('KumoMTA integration scenarios: delivery through a source to a sink', () => {
  let h: KumoHarness;
  beforeAll(async () => {
    h = await startKumoHarness({
      policy: {
        // broken_first_choice_mx: the first MX refuses connections, the second is the sink.
        get_queue_config: (domain) => (domain === 'broken-mx.test' ? { protocol: { smtp: { mx_list: ['127.0.0.1:1', h.sink.address] } } } : undefined),
      },
    });
  });
  afterAll(async () => h?.stop());
  const count = (type: string, to: string) => h.records.filter((r) => r.type === type && r.recipient === to).length;

  // Ports end_to_end.rs `end_to_end`.
  it('delivers what it receives with the same content, logging Reception and Delivery once', async () => {
    const body = Array.from({ length: 14 }, (_, i) => `${String(i).padStart(2, '0')} ${'x'.repeat(75)}`).join('\r\n') + '\r\n';
    expect(await h.send(['e2e@example.com'], { body })).toEqual([expect.stringMatching(/^250/)]);
    await h.sink.waitFor(() => h.sink.for('e2e@example.com').length === 1);
    expect(h.sink.for('e2e@example.com')[0]?.data.toString()).toContain(body);
    await expect.poll(() => count('Delivery', 'e2e@example.com')).toBe(1);
    expect(count('Reception', 'e2e@example.com')).toBe(1);
  });

  // Ports end_to_end_stuffed.rs `end_to_end_stuffed`.
  it('dot-stuffs lines that start with a dot on the way out', async () => {
    expect(await h.send(['stuffed@example.com'], { body: '.Stuffing required\r\nFor me\r\n' })).toEqual([expect.stringMatching(/^250/)]);
    await h.sink.waitFor(() => h.sink.for('stuffed@example.com').length === 1);
    expect(h.sink.for('stuffed@example.com')[0]?.data.toString()).toMatch(/\r\n\r\n\.Stuffing required\r\nFor me\r\n$/);
  });

  // Ports temp_fail.rs `temp_fail`.
  it('logs a TransientFailure and keeps the message when the sink answers 4xx', async () => {
    expect(await h.send(['tempfail@example.com'])).toEqual([expect.stringMatching(/^250/)]);
    await expect.poll(() => count('TransientFailure', 'tempfail@example.com'), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(count('Delivery', 'tempfail@example.com')).toBe(0);
  });

  // Ports perm_fail.rs `perm_fail`.
  it('logs a Bounce when the sink answers 5xx', async () => {
    expect(await h.send(['permfail@example.com'])).toEqual([expect.stringMatching(/^250/)]);
    await expect.poll(() => count('Bounce', 'permfail@example.com'), { timeout: 20_000 }).toBe(1);
    expect(h.records.find((r) => r.type === 'Bounce' && r.recipient === 'permfail@example.com')?.response.code).toBe(550);
  });

  // Ports broken_first_choice_mx.rs `broken_first_choice_mx`.
  it('moves on to the next MX when the first refuses the connection', async () => {
    expect(await h.send(['someone@broken-mx.test'])).toEqual([expect.stringMatching(/^250/)]);
    await h.sink.waitFor(() => h.sink.for('someone@broken-mx.test').length === 1);
    await expect.poll(() => count('Delivery', 'someone@broken-mx.test')).toBe(1);
  });

  // Ports no_ports_in_rcpt_domain.rs `no_ports_in_rcpt_domain`.
  it('refuses a recipient domain with a port in it (501 5.1.3)', async () => {
    const r = await h.session(async (c) => {
      expect((await c.command('MAIL FROM:<sender@example.com>')).code).toBe(250);
      return c.command('RCPT TO:<sender@example.com:2025>');
    });
    expect(r.code).toBe(501);
    expect(r.lines.join('\n')).toMatch(/5\.1\.3/);
  });
});
