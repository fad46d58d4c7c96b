import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKumoHarness, type KumoHarness } from './harness.js';

/**
 * kumod's HTTP API as kcli reads it (KumoMTA crates/kcli and crates/kumo-api-types, Apache-2.0):
 * every shape asserted here is a field kcli or kumo-api-client deserializes.
 */
describe('kumod HTTP API shapes (kcli)', () => {
  let h: KumoHarness;
  beforeAll(async () => {
    h = await startKumoHarness();
  });
  afterAll(async () => h?.stop());

  it('lists suspensions, ready-queue suspensions and bounces with duration (and bounced/total_bounced)', async () => {
    const hold = await h.api<{ id: string }>('POST', '/api/admin/suspend/v1', { domain: 'held.test', reason: 'kcli suspend', duration: '1h' });
    expect(hold.status).toBe(200);
    expect(await h.send(['a@held.test', 'b@held.test'])).toEqual([expect.stringMatching(/^250/), expect.stringMatching(/^250/)]);
    const suspensions = await h.api<Array<{ id: string; domain: string; reason: string; duration: string }>>('GET', '/api/admin/suspend/v1');
    expect(suspensions.body).toContainEqual(expect.objectContaining({ id: hold.body.id, domain: 'held.test', reason: 'kcli suspend', duration: expect.stringMatching(/^59m \d+s/) }));

    const bounce = await h.api<{ id: string; bounced: Record<string, number>; total_bounced: number }>('POST', '/api/admin/bounce/v1', { domain: 'held.test', reason: 'kcli bounce', duration: '10m' });
    expect(bounce.body).toEqual({ id: expect.any(String), bounced: { 'held.test': 2 }, total_bounced: 2 });
    expect((await h.send(['c@held.test']))[0]).toMatch(/^250/);
    await expect.poll(async () => (await h.api<Array<{ total_bounced: number }>>('GET', '/api/admin/bounce/v1')).body[0]?.total_bounced).toBe(3);
    const [entry] = (await h.api<Array<Record<string, unknown>>>('GET', '/api/admin/bounce/v1')).body;
    expect(entry).toMatchObject({ id: bounce.body.id, domain: 'held.test', reason: 'kcli bounce', bounced: { 'held.test': 3 }, total_bounced: 3, duration: expect.stringMatching(/^9m \d+s/) });

    const rq = await h.api<{ id: string }>('POST', '/api/admin/suspend-ready-q/v1', { name: 'unspecified->nowhere@smtp_client', reason: 'site block', duration: '30s' });
    const rqs = await h.api<Array<{ id: string; name: string; reason: string; duration: string; expires: string }>>('GET', '/api/admin/suspend-ready-q/v1');
    expect(rqs.body).toEqual([{ id: rq.body.id, name: 'unspecified->nowhere@smtp_client', reason: 'site block', duration: expect.stringMatching(/^(29|30)s/), expires: expect.any(String) }]);
    for (const [path, id] of [['suspend', hold.body.id], ['bounce', bounce.body.id], ['suspend-ready-q', rq.body.id]] as const) {
      expect((await h.api('DELETE', `/api/admin/${path}/v1`, { id })).status).toBe(200);
    }
  });

  it('answers ready-q-states as a map, inspect-ready-q for a live queue and 404 for an unknown one', async () => {
    const states = await h.api<{ states_by_ready_queue: Record<string, unknown> }>('GET', '/api/admin/ready-q-states/v1?queues=');
    expect(states.status).toBe(200);
    expect(states.body.states_by_ready_queue).toEqual({});
    expect((await h.send(['x@live.test']))[0]).toMatch(/^250/);
    await h.sink.waitFor(() => h.sink.for('x@live.test').length === 1);
    const queues = (await h.api<{ ready_queues: Array<{ name: string }> }>('GET', '/api/admin/ready-queues/v1')).body.ready_queues;
    const name = queues[0]?.name as string;
    expect(name).toMatch(/^unspecified->.*@smtp_client$/);
    const inspected = await h.api<Record<string, unknown>>('GET', `/api/admin/inspect-ready-q/v1?queue_name=${encodeURIComponent(name)}`);
    expect(inspected.body).toMatchObject({
      queue_name: name, egress_source: 'unspecified', protocol: 'smtp_client', dispatchers: [],
      state: { ready_count: expect.any(Number), connection_count: expect.any(Number), connection_limited: null, connection_rate_throttled: null, suspended: null },
      constraints: { max_concurrent_dispatchers: { value: expect.any(Number) } },
    });
    expect((await h.api('GET', '/api/admin/inspect-ready-q/v1?queue_name=nope')).status).toBe(404);
  });

  it('serves the metrics kcli queue-summary reads, in Prometheus text and in /metrics.json', async () => {
    expect((await h.send(['m@metrics.test']))[0]).toMatch(/^250/);
    await h.sink.waitFor(() => h.sink.for('m@metrics.test').length === 1);
    const text = (await h.api<string>('GET', '/metrics')).body;
    expect(text).toMatch(/total_messages_delivered\{service="smtp_client:unspecified->[^"]+@smtp_client"\} [1-9]/);
    const json = (await h.api<Record<string, { type: string; value: unknown }>>('GET', '/metrics.json')).body;
    expect(json['total_messages_delivered']).toMatchObject({ type: 'counter', value: { service: expect.any(Object) } });
    expect(Object.keys((json['total_messages_delivered']?.value as { service: Record<string, number> }).service).some((s) => s.startsWith('smtp_client:'))).toBe(true);
    expect(json['memory_usage']?.value).toBeGreaterThan(0);
    expect(json['disk_free_bytes']?.value).toMatchObject({ name: { data: expect.any(Number) } });
    expect(json['message_save_latency']?.value).toMatchObject({ count: expect.any(Number), sum: expect.any(Number), avg: expect.any(Number), bucket: expect.any(Array) });
    for (const name of ['scheduled_count', 'scheduled_queue_count', 'process_cpu_usage_sum', 'system_cpu_usage_normalized', 'thread_pool_size', 'memory_limit']) expect(json[name], name).toBeDefined();
  });

  it('reports machine-info, memory stats and a task dump', async () => {
    const info = await h.api<Record<string, unknown>>('GET', '/api/machine-info');
    expect(info.body).toMatchObject({ node_id: expect.any(String), hostname: expect.any(String), num_cores: expect.any(Number), total_memory_bytes: expect.any(Number), process_kind: 'mtakit', online_since: expect.any(String), version: expect.any(String) });
    expect(Date.parse(info.body['online_since'] as string)).toBeLessThanOrEqual(Date.now());
    expect((await h.api<string>('GET', '/api/admin/memory/stats')).body).toMatch(/^rss: [\d.]+ MiB/);
    expect((await h.api<string>('GET', '/api/admin/task-dump')).body).toMatch(/uptime: /);
  });

  it('sets the diagnostic log filter (kcli set-log-filter) and refuses targets it has no logger for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtakit-logfilter-'));
    const policy = join(dir, 'init.lua');
    writeFileSync(policy, "local kumo = require 'kumo'\nkumo.on('smtp_server_message_received', function(msg) print('policy saw a message') end)\n");
    const l = await startKumoHarness({ lua: policy });
    try {
      const seen = () => l.logs.filter((line) => line.includes('policy saw a message')).length;
      expect((await l.send(['one@filter.test']))[0]).toMatch(/^250/);
      expect(seen()).toBe(1);
      expect((await l.api('POST', '/api/admin/set_diagnostic_log_filter/v1', { filter: 'kumod=error' })).status).toBe(200);
      expect((await l.send(['two@filter.test']))[0]).toMatch(/^250/);
      expect(seen()).toBe(1);
      const bad = await l.api<{ error: string; field: string }>('POST', '/api/admin/set_diagnostic_log_filter/v1', { filter: 'hyper=debug' });
      expect(bad).toMatchObject({ status: 400, body: { field: 'filter', error: expect.stringMatching(/hyper/) } });
      expect((await l.api('POST', '/api/admin/set_diagnostic_log_filter/v1', { filter: 'warn,kumod::smtp_server=info' })).status).toBe(200);
      expect((await l.send(['three@filter.test']))[0]).toMatch(/^250/);
      expect(seen()).toBe(2);
    } finally {
      await l.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('accepts spool-compact for kumod spool names and refuses the endpoints a single node cannot serve with 501 and the alternative', async () => {
    expect((await h.api('POST', '/api/admin/spool-compact/v1', { name: 'data' })).status).toBe(200);
    expect((await h.api('POST', '/api/admin/spool-compact/v1', { name: 'rocks' })).status).toBe(404);
    for (const [method, path] of [['POST', '/api/admin/xfer/v1'], ['POST', '/api/admin/xfer/cancel/v1'], ['POST', '/api/xfer/inject/v1'], ['POST', '/api/admin/abort-ready-q-conn/v1'], ['GET', '/api/admin/trace-smtp-client/v1'], ['GET', '/api/admin/trace-smtp-server/v1']] as const) {
      const r = await h.api<{ error: string; code: string }>(method, path, method === 'POST' ? {} : undefined);
      expect(r.status, path).toBe(501);
      expect(r.body.error, path).toMatch(/instead: /);
    }
  });

  it('resolves an egress path the way kcli resolve-egress-path asks', async () => {
    const r = await h.api<Record<string, unknown>>('GET', '/api/admin/resolve-egress-path/v1?domain=example.com');
    expect(r.body).toMatchObject({ domain: 'example.com', source: 'unspecified', queue_name: expect.stringMatching(/^unspecified->.*@smtp_client$/), queue_config: expect.any(Object), path_config: expect.any(Object) });
  });
});
