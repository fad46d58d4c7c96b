import { describe, expect, it } from 'vitest';
import { resolveEgressPathConfig } from '../config/egress-path.js';
import { resolveQueueConfig } from '../config/queue-config.js';
import { pathLimits, queueLimits } from './shaping-keys.js';

describe('pathLimits', () => {
  const config = resolveEgressPathConfig({
    connection_limit: 2,
    additional_connection_limits: { 'provider-cap': 3 },
    max_connection_rate: '30/min',
    max_message_rate: '5/min',
    additional_message_rate_throttles: { global: '2/min' },
    source_selection_rate: '10/h',
    additional_source_selection_rates: { warm: '100/d' },
  });

  it("keys the path's own limits by source and site, and named limits by name only", () => {
    const a = pathLimits('ip-1', 'site-a', config);
    const b = pathLimits('ip-2', 'site-b', config);
    expect(a.connections.map((l) => [l.key, l.name, l.limit.limit])).toEqual([
      ['path:ip-1->site-a:connections', 'connection_limit', 2],
      ['connections:provider-cap', 'additional_connection_limits.provider-cap', 3],
    ]);
    expect(b.connections.map((l) => l.key)).toEqual(['path:ip-2->site-b:connections', 'connections:provider-cap']);
    expect(a.connectionRates.map((r) => [r.key, r.spec.text])).toEqual([['path:ip-1->site-a:connection-rate', '30/60s']]);
    expect(a.messageRates.map((r) => [r.key, r.name])).toEqual([
      ['path:ip-1->site-a:message-rate', 'max_message_rate'],
      ['message-rate:global', 'additional_message_rate_throttles.global'],
    ]);
    expect(a.selectionRates.map((r) => [r.key, r.spec.text])).toEqual([
      ['path:ip-1->site-a:selection-rate', '10/3600s'],
      ['selection-rate:warm', '100/86400s'],
    ]);
  });

  it('leaves out rates that are not set', () => {
    const limits = pathLimits('s', 'x', resolveEgressPathConfig({}));
    expect(limits.connections.map((l) => l.limit.limit)).toEqual([32]);
    expect([limits.connectionRates, limits.messageRates, limits.selectionRates]).toEqual([[], [], []]);
  });
});

describe('queueLimits', () => {
  it("keys a queue's rate by queue name and tenant limits by tenant alone", () => {
    const config = resolveQueueConfig({ max_message_rate: '100/min', tenant_max_message_rate: '5/s', tenant_connection_limit: 'local:3' });
    const news = queueLimits('news:acme@gmail.com', 'acme', config);
    expect(news.promotionRates.map((r) => [r.key, r.name, r.spec.text])).toEqual([
      ['queue:news:acme@gmail.com:message-rate', 'max_message_rate', '100/60s'],
      ['tenant:acme:message-rate', 'tenant_max_message_rate', '5/1s'],
    ]);
    expect(news.deliveryLimits).toEqual([{ key: 'tenant:acme:connections', name: 'tenant_connection_limit', limit: { limit: 3, local: true } }]);
    // Another domain of the same tenant draws from the same tenant budget.
    expect(queueLimits('acme@yahoo.com', 'acme', config).promotionRates.map((r) => r.key)).toContain('tenant:acme:message-rate');
  });

  it('has no tenant limits for a queue without a tenant', () => {
    const config = resolveQueueConfig({ tenant_max_message_rate: '5/s', tenant_connection_limit: 2 });
    expect(queueLimits('gmail.com', undefined, config)).toEqual({ promotionRates: [], deliveryLimits: [] });
  });

  it('validates the tenant fields and names the bad key', () => {
    expect(() => resolveQueueConfig({ tenant_max_message_rate: 'fast' })).toThrow(/tenant_max_message_rate/);
    expect(() => resolveQueueConfig({ tenant_connection_limit: -1 })).toThrow(/tenant_connection_limit/);
    expect(resolveQueueConfig({})).toMatchObject({ tenant_max_message_rate: undefined, tenant_connection_limit: undefined });
  });
});
