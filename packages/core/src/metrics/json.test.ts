import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { toKumoJson } from './json.js';

describe("metrics in kumod's /metrics.json shape", () => {
  it('writes unlabelled values as numbers, one label as a map, several as a list, histograms folded', async () => {
    const registry = new Registry();
    const registers = [registry];
    new Gauge({ name: 'lua_count', help: 'contexts', registers }).set(3);
    const c = new Counter({ name: 'total_messages_delivered', help: 'delivered', labelNames: ['service'], registers });
    c.inc({ service: 'smtp_client' }, 2);
    c.inc({ service: 'smtp_client:a->b@smtp_client' });
    new Gauge({ name: 'scheduled_by_tenant_campaign', help: 'x', labelNames: ['tenant', 'campaign'], registers }).set({ tenant: 't', campaign: 'c' }, 5);
    const h = new Histogram({ name: 'message_save_latency', help: 'save', buckets: [0.1, 1], registers });
    h.observe(0.05);
    h.observe(0.5);
    new Gauge({ name: 'never_set', help: 'empty', labelNames: ['x'], registers });
    expect(toKumoJson(await registry.getMetricsAsJSON())).toEqual({
      lua_count: { help: 'contexts', type: 'gauge', value: 3 },
      total_messages_delivered: { help: 'delivered', type: 'counter', value: { service: { smtp_client: 2, 'smtp_client:a->b@smtp_client': 1 } } },
      scheduled_by_tenant_campaign: { help: 'x', type: 'gauge', value: [{ tenant: 't', campaign: 'c', '@': 5 }] },
      message_save_latency: { help: 'save', type: 'histogram', value: { count: 2, sum: 0.55, avg: 0.275, bucket: [[0.1, 1], [1, 2]] } },
      never_set: { help: 'empty', type: 'gauge', value: null },
    });
  });
});
