import { parseRateSpec, resolveQueueConfig, type Policy, type RateSpec, type Shaper, type ThrottleDecision } from '@mtakit/core';
import { FakeClock } from '@mtakit/core/testing';
import { describe, expect, it } from 'vitest';
import type { Directive } from '../admin/directives.js';
import { ReadyQueue } from '../ready/ready-queue.js';
import { ReadyQueues, readyQueueName } from '../ready/ready-queues.js';
import { PolicyConfigs } from '../routing/policy-configs.js';
import type { Route } from '../routing/routes.js';
import { ScheduledQueue } from '../scheduled/scheduled-queue.js';
import { EgressSelection } from './selection.js';

const route: Route = { siteName: 'mx.site', protocol: 'smtp_client', hosts: [], fixed: true, config: resolveQueueConfig({}, 'test') };
const transport = { open: () => Promise.reject(new Error('not in unit tests')) };

/** Refuses the keys in `refused` with a fixed wait; admits everything else. */
class KeyShaper implements Shaper {
  readonly refused = new Map<string, number>();
  async throttle(key: string, _spec: RateSpec): Promise<ThrottleDecision> {
    const wait = this.refused.get(key);
    return wait === undefined ? { allowed: true, retryAfterMs: 0, remaining: 1, resetAfterMs: 0 } : { allowed: false, retryAfterMs: wait, remaining: 0, resetAfterMs: wait };
  }
  async acquireConnection(): Promise<never> {
    throw new Error('not used here');
  }
}

function setup(policy: Policy = {}) {
  const clock = new FakeClock();
  const configs = new PolicyConfigs({
    get_egress_pool: (name) => ({ name, entries: [{ name: 'ip-1', weight: 3 }, { name: 'ip-2', weight: 1 }] }),
    get_egress_source: (name) => ({ name, source_address: name === 'ip-1' ? '127.0.0.2' : '127.0.0.3' }),
    get_egress_path_config: () => ({ source_selection_rate: '10/s' }),
    ...policy,
  }, clock);
  const ready = new ReadyQueues({ clock, configs, transport: () => transport });
  const shaper = new KeyShaper();
  const suspended = new Map<string, Directive<unknown>>();
  const selection = new EgressSelection({ clock, shaper, configs, ready, readySuspensionOf: (name) => suspended.get(name) });
  const config = resolveQueueConfig({ egress_pool: 'pool' }, 'test');
  return { clock, ready, shaper, suspended, selection, config, q: new ScheduledQueue('t@dest.test') };
}

describe('EgressSelection (fake clock)', () => {
  it('spreads messages over the pool by weight', async () => {
    const { selection, config, q } = setup();
    const picks: string[] = [];
    for (let i = 0; i < 8; i++) picks.push(((await selection.select(q, config, route)) as ReadyQueue).source.name);
    expect(picks.filter((p) => p === 'ip-1')).toHaveLength(6);
    expect(picks.filter((p) => p === 'ip-2')).toHaveLength(2);
  });

  it('skips a suspended source, and says how long to wait and why when every source is out', async () => {
    const { selection, config, q, suspended, clock } = setup();
    const ip1 = readyQueueName('ip-1', 'mx.site', 'smtp_client');
    suspended.set(ip1, { id: 's1', reason: 'provider asked', expires: clock.now() + 60_000, data: {} });
    for (let i = 0; i < 4; i++) expect(((await selection.select(q, config, route)) as ReadyQueue).source.name).toBe('ip-2');
    suspended.set(readyQueueName('ip-2', 'mx.site', 'smtp_client'), { id: 's2', reason: 'also', expires: clock.now() + 30_000, data: {} });
    const none = await selection.select(q, config, route);
    expect(none).not.toBeInstanceOf(ReadyQueue);
    expect(none).toMatchObject({ wait: 30_000, suspension: { id: 's2', reason: 'also' } });
  });

  it('skips a source over its selection rate and names the throttle', async () => {
    const { selection, config, q, shaper } = setup();
    shaper.refused.set('path:ip-1->mx.site:selection-rate', 500);
    shaper.refused.set('path:ip-2->mx.site:selection-rate', 800);
    expect(await selection.select(q, config, route)).toMatchObject({ wait: 500, throttled: expect.stringContaining('source_selection_rate') });
  });

  it('spreads messages one throttle refuses one interval apart', async () => {
    const { selection, shaper, clock } = setup();
    const rate = { key: 'queue:t@dest.test:message-rate', name: 'max_message_rate', spec: parseRateSpec('10/s') };
    shaper.refused.set(rate.key, 200);
    const ats = [];
    for (let i = 0; i < 3; i++) ats.push((await selection.admit([rate]))?.at);
    expect(ats).toEqual([clock.now() + 200, clock.now() + 300, clock.now() + 400]);
    shaper.refused.clear();
    expect(await selection.admit([rate])).toBeUndefined();
  });
});
