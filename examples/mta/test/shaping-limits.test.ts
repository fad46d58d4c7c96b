import { SmtpSink } from '@mtakit/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { metricValue, sendAll } from './helpers/policy-mta.js';
import { arrivals, rateAfter, startShapedMta, type ShapedMta } from './helpers/shaped-mta.js';

/**
 * The example MTA's shaping over real sockets: SMTP injection, the queue under the shaper, SMTP
 * delivery to a sink (the smart host, so only the test's shaping file applies). Rates are
 * asserted with slack for a loaded machine, but a path that ignored its limit would fail.
 */
describe('shaping in the example MTA', () => {
  const running: Array<ShapedMta | SmtpSink> = [];
  afterEach(async () => {
    for (const r of running.splice(0).reverse()) await r.stop();
  });
  const sink = async (options: ConstructorParameters<typeof SmtpSink>[0] = {}) => {
    const s = await new SmtpSink(options).start();
    running.push(s);
    return s;
  };
  const mta = async (...args: Parameters<typeof startShapedMta>) => {
    const m = await startShapedMta(...args);
    running.push(m);
    return m;
  };
  const mails = (prefix: string, n: number, headers: Record<string, string> = {}) => Array.from({ length: n }, (_, i) => ({ to: `${prefix}${i}@dest.test`, headers }));

  it('a 10/s path delivers no faster than 10/s', async () => {
    const s = await sink();
    const m = await mta('["default"]\nmax_message_rate = "10/s"\n', { MTAKIT_SMARTHOST: s.address });
    expect((await sendAll(m.mta.smtp.port, mails('r', 70))).every((r) => r.code === 250)).toBe(true);
    await s.waitFor(() => s.received === 70, 30_000);
    const times = arrivals(s.messages);
    // GCRA lets the first 10 (the burst) go at once, then one every 100 ms.
    const inFirstFiveSeconds = times.filter((t) => t < times[0]! + 5000).length;
    expect(inFirstFiveSeconds).toBeLessThanOrEqual(10 + 50 + 1);
    expect(inFirstFiveSeconds).toBeGreaterThanOrEqual(40);
    const steady = rateAfter(times, 10);
    expect(steady).toBeLessThanOrEqual(11);
    expect(steady).toBeGreaterThanOrEqual(8);
  });

  it('connection_limit = 2: the sink never sees more than 2 concurrent connections, and the admin API and metrics show the limit', async () => {
    const s = await sink({ dataDelayMs: 80 });
    const m = await mta('["default"]\nconnection_limit = 2\n', { MTAKIT_SMARTHOST: s.address });
    expect((await sendAll(m.mta.smtp.port, mails('c', 24))).every((r) => r.code === 250)).toBe(true);
    await s.waitFor(() => s.activeConnections === 2);
    type States = { ready_queues: Array<{ name: string; connection_limit: number; shaping: { limits: Array<{ kind: string; name: string; limit?: number; leases?: { count: number } }> } }> };
    const [state] = (await m.get<States>('/api/admin/ready-queues/v1')).ready_queues;
    expect(state?.connection_limit).toBe(2);
    const lease = state?.shaping.limits.find((l) => l.name === 'connection_limit');
    expect(lease).toMatchObject({ kind: 'connections', limit: 2 });
    expect(lease?.leases?.count).toBeLessThanOrEqual(2);
    expect(metricValue(await m.metrics(), 'shaping_connection_lease_limit', { service: state!.name, limit: 'connection_limit' })).toBe(2);
    await s.waitFor(() => s.received === 24, 30_000);
    expect(s.peakConnections).toBe(2);
    expect([...s.byRemoteAddress.keys()]).toEqual(['127.0.0.1']);
  });

  it('a tenant limited to 5/s does not slow another tenant down', async () => {
    const s = await sink();
    const m = await mta('["default"]\nmax_message_rate = "40/s,max_burst=5"\n', { MTAKIT_SMARTHOST: s.address }, {
      policy: { get_queue_config: (_domain, tenant) => (tenant === 'bulk' ? { tenant_max_message_rate: '5/s' } : undefined) },
    });
    // The bulk tenant sends 10× what the path would give it and keeps the path busy throughout.
    expect((await sendAll(m.mta.smtp.port, mails('bulk', 150, { 'X-Tenant': 'bulk' }))).every((r) => r.code === 250)).toBe(true);
    expect((await sendAll(m.mta.smtp.port, mails('retail', 60, { 'X-Tenant': 'retail' }))).every((r) => r.code === 250)).toBe(true);
    await s.waitFor(() => arrivals(s.messages, 'retail').length === 60, 30_000);
    const retail = arrivals(s.messages, 'retail');
    const bulk = arrivals(s.messages, 'bulk');
    const window = retail.at(-1)! - retail[0]!;
    // Bulk mail was still waiting when retail was done: it had not simply gone first.
    expect(bulk.length).toBeLessThan(150);
    // Bulk stays at its 5/s (plus its burst of 5)…
    expect(bulk.filter((t) => t >= retail[0]! && t <= retail.at(-1)!).length).toBeLessThanOrEqual(5 + Math.ceil((5 * window) / 1000) + 1);
    // …so retail gets the rest of the path's 40/s, not the half a round robin between the two would give.
    expect(rateAfter(retail, 0)).toBeGreaterThanOrEqual(27);
  });
});
