import { basicUsers } from '@mtakit/core/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKumoHarness, type KumoHarness } from './harness.js';

// Scenarios ported from KumoMTA's crates/integration-tests (Apache-2.0, KumoCorp): the admin API
// that kcli drives, against a source MTA relaying to a sink.
describe('KumoMTA integration scenarios: admin API', () => {
  let h: KumoHarness;
  beforeAll(async () => {
    h = await startKumoHarness({
      policy: {
        // source.lua's KUMOD_WANT_REBIND handler: mark the message and take the queue from the data.
        rebind_message: (message, data) => {
          if (!message.recipient.startsWith('event')) return;
          message.appendHeader('X-Rebound', 'woot');
          message.setMeta('queue', data['queue']);
        },
        // expires.rs: source.lua imports the X-Schedule header (msg:import_scheduling_header).
        smtp_server_message_received: (message) => {
          const schedule = message.getFirstHeader('x-schedule');
          if (schedule) message.setMeta('expires', (JSON.parse(schedule) as { expires: string }).expires);
        },
      },
    });
  });
  afterAll(async () => h?.stop());
  const count = (type: string, to: string) => h.records.filter((r) => r.type === type && r.recipient === to).length;
  const settle = () => new Promise((r) => setTimeout(r, 1000));

  // Ports suspend_delivery_scheduled_q.rs `suspend_delivery_scheduled_q` and
  // suspend_delivery_scheduled_q_and_deliver.rs `suspend_delivery_scheduled_q_and_deliver`.
  it('holds a suspended domain in its scheduled queue, and delivers once the suspension is cancelled', async () => {
    const { body } = await h.api<{ id: string }>('POST', '/api/admin/suspend/v1', { domain: 'suspended.test', reason: 'testing' });
    expect(await h.send(['allow@suspended.test'])).toEqual([expect.stringMatching(/^250/)]);
    await settle();
    expect(h.sink.for('allow@suspended.test')).toHaveLength(0);
    expect((await h.api<{ num_scheduled: number }>('GET', '/api/admin/inspect-sched-q/v1?queue_name=suspended.test')).body.num_scheduled).toBe(1);
    expect((await h.api('DELETE', '/api/admin/suspend/v1', { id: body.id })).status).toBe(200);
    await h.sink.waitFor(() => h.sink.for('allow@suspended.test').length === 1);
    await expect.poll(() => count('Delivery', 'allow@suspended.test')).toBe(1);
  });

  // Ports suspend_delivery_ready_q.rs `suspend_delivery_ready_q` and
  // suspend_delivery_ready_q_and_deliver.rs `suspend_delivery_ready_q_and_deliver`.
  it('holds a suspended ready queue, and delivers once the suspension is cancelled', async () => {
    const path = await h.api<{ queue_name: string }>('GET', '/api/admin/resolve-egress-path/v1?domain=readyq.test');
    const { body } = await h.api<{ id: string }>('POST', '/api/admin/suspend-ready-q/v1', { name: path.body.queue_name, reason: 'testing' });
    expect(await h.send(['allow@readyq.test'])).toEqual([expect.stringMatching(/^250/)]);
    await settle();
    expect(h.sink.for('allow@readyq.test')).toHaveLength(0);
    expect(count('Reception', 'allow@readyq.test')).toBe(1);
    expect((await h.api('DELETE', '/api/admin/suspend-ready-q/v1', { id: body.id })).status).toBe(200);
    await h.sink.waitFor(() => h.sink.for('allow@readyq.test').length === 1);
    // The suspension is lifted for every ready queue of that name, not only this domain's.
    expect((await h.api<unknown[]>('GET', '/api/admin/suspend-ready-q/v1')).body).toEqual([]);
  });

  // Ports rebind.rs `rebind_timerwheel` (mtakit has one scheduled-queue strategy; rebind_skiplist is the same scenario).
  // Differs: kumod delivers the rebound message at once; mtakit keeps the due time the suspension
  // gave it (its next retry) unless `always_flush`, so the port asks for always_flush.
  it('rebinds suspended mail into another queue by meta, logging AdminRebind, and delivers it', async () => {
    const { body } = await h.api<{ id: string }>('POST', '/api/admin/suspend/v1', { domain: 'rebind.test', reason: 'testing' });
    expect(await h.send(['allow@rebind.test'])).toEqual([expect.stringMatching(/^250/)]);
    await h.waitForRecords('Reception');
    const r = await h.api<{ rebound: number }>('POST', '/api/admin/rebind/v1', { domain: 'rebind.test', reason: 'testing', data: { queue: 'rebound.com' }, always_flush: true });
    expect(r.body.rebound).toBe(1);
    await h.sink.waitFor(() => h.sink.for('allow@rebind.test').length === 1);
    await expect.poll(() => count('AdminRebind', 'allow@rebind.test')).toBe(1);
    await expect.poll(() => h.records.find((x) => x.type === 'Delivery' && x.recipient === 'allow@rebind.test')?.queue).toBe('rebound.com');
    await h.api('DELETE', '/api/admin/suspend/v1', { id: body.id });
  });

  // Ports rebind_event_defined.rs `rebind_event_defined` (with always_flush, as above).
  it('hands the rebind data to the rebind_message event when asked, which moves and marks the message', async () => {
    const { body } = await h.api<{ id: string }>('POST', '/api/admin/suspend/v1', { domain: 'rebind-event.test', reason: 'testing' });
    expect(await h.send(['event@rebind-event.test'])).toEqual([expect.stringMatching(/^250/)]);
    await expect.poll(() => count('Reception', 'event@rebind-event.test')).toBe(1);
    await h.api('POST', '/api/admin/rebind/v1', { domain: 'rebind-event.test', reason: 'testing', trigger_rebind_event: true, always_flush: true, data: { queue: 'rebound.com' } });
    await h.sink.waitFor(() => h.sink.for('event@rebind-event.test').length === 1);
    expect(h.sink.for('event@rebind-event.test')[0]?.data.toString()).toMatch(/^X-Rebound: woot\r$/m);
    await h.api('DELETE', '/api/admin/suspend/v1', { id: body.id });
  });

  // Ports resolve_egress_path.rs `resolve_egress_path`.
  it('resolves the egress path for a domain: the ready queue name and the configs the hooks gave', async () => {
    const r = await h.api<Record<string, unknown>>('GET', '/api/admin/resolve-egress-path/v1?domain=example.com&source=unspecified');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ domain: 'example.com', source: 'unspecified', queue_name: expect.stringMatching(/^unspecified->.+@smtp_client$/), path_config: expect.any(Object), queue_config: expect.any(Object) });
    expect((await h.api('GET', '/api/admin/resolve-egress-path/v1')).status).toBe(400);
  });

  // Ports http_liveness.rs `http_liveness_kumod`.
  it('answers the liveness check', async () => {
    expect(await h.api('GET', '/api/check-liveness/v1')).toMatchObject({ status: 200 });
  });

  // Ports expires.rs `scheduling_header_expiry`.
  it('expires a message whose scheduling header set an expiry, after a transient failure', async () => {
    const expires = new Date(Date.now() + 3000).toISOString();
    expect(await h.send(['tempfail@expires.test'], { headers: `X-Schedule: {"expires":"${expires}"}\r\n` })).toEqual([expect.stringMatching(/^250/)]);
    await expect.poll(() => count('Expiration', 'tempfail@expires.test'), { timeout: 20_000 }).toBe(1);
    expect(count('TransientFailure', 'tempfail@expires.test')).toBeGreaterThanOrEqual(1);
    expect(count('Delivery', 'tempfail@expires.test')).toBe(0);
  });
});

// Ports http_auth.rs `http_auth`: no credentials from a trusted host pass, right ones pass, wrong ones get 401.
describe('KumoMTA integration scenario: HTTP authentication', () => {
  it('checks credentials when they are given, even from a trusted host', async () => {
    const h = await startKumoHarness({ http: { validateBasic: basicUsers(new Map([['daniel', 'tiger']])) } });
    try {
      const port = h.mta.http?.port as number;
      const get = (auth?: string) => fetch(`http://127.0.0.1:${port}/metrics`, auth ? { headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}` } } : {});
      expect((await get()).status).toBe(200);
      expect((await get('daniel:tiger')).status).toBe(200);
      expect((await get('daniel:bogus')).status).toBe(401);
    } finally {
      await h.stop();
    }
  });
});
