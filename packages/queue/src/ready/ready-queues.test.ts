import { resolveQueueConfig } from '@mtakit/core';
import { FakeClock } from '@mtakit/core/testing';
import { describe, expect, it } from 'vitest';
import { PolicyConfigs } from '../routing/policy-configs.js';
import type { Route } from '../routing/routes.js';
import { ReadyQueues } from './ready-queues.js';

const route: Route = { siteName: 'mx.site', protocol: 'smtp_client', hosts: [], fixed: true, config: resolveQueueConfig({}, 'test') };

function setup() {
  const clock = new FakeClock();
  let limit = 4;
  const configs = new PolicyConfigs({ get_egress_path_config: () => ({ connection_limit: limit }) }, clock);
  let transports = 0;
  const ready = new ReadyQueues({ clock, configs, transport: () => ({ id: ++transports, open: () => Promise.reject(new Error('unused')) }) });
  return { clock, ready, setLimit: (n: number) => (limit = n), transports: () => transports };
}

describe('ReadyQueues (fake clock)', () => {
  it('makes one ready queue per source and site, named source->site@protocol, and reuses it', async () => {
    const { ready, transports } = setup();
    const a = await ready.forRoute('dest.test', 'pool', 'unspecified', route);
    const b = await ready.forRoute('other.test', 'pool', 'unspecified', route);
    expect(a).toBe(b);
    expect(a.name).toBe('unspecified->mx.site@smtp_client');
    expect(a.path.connection_limit.limit).toBe(4);
    expect(transports()).toBe(1);
  });

  it('refreshPaths returns the queues whose path config changed, with a new transport', async () => {
    const { ready, setLimit, transports } = setup();
    const rq = await ready.forRoute('dest.test', 'pool', 'unspecified', route);
    expect(await ready.refreshPaths({ source: 'other' })).toEqual([]);
    setLimit(9);
    expect(await ready.refreshPaths({ source: 'unspecified', siteName: 'mx.site' })).toEqual([rq]);
    expect(rq.path.connection_limit.limit).toBe(9);
    expect(transports()).toBe(2);
  });

  it('shows a connection hold in the states until it lapses, and keeps its first time', async () => {
    const { ready, clock } = setup();
    const rq = await ready.forRoute('dest.test', 'pool', 'unspecified', route);
    const since = new Date(clock.now()).toISOString();
    ready.noteHold(rq, 'connection_limited', 'connection_limit reached', 1000);
    clock.advance(500);
    ready.noteHold(rq, 'connection_limited', 'connection_limit reached', 1000);
    expect(ready.states(() => undefined)[0]).toMatchObject({ connection_limited: { context: 'connection_limit reached', since }, suspended: null });
    clock.advance(1001);
    expect(ready.states(() => undefined)[0]?.connection_limited).toBeNull();
    ready.noteHold(rq, 'connection_rate_throttled', 'max_connection_rate 1/s', 1000);
    ready.noteHold(rq, 'connection_rate_throttled', undefined, 0);
    expect(ready.states(() => undefined)[0]?.connection_rate_throttled).toBeNull();
  });

  it('reaps idle, empty, unconnected queues nobody waits on', async () => {
    const { ready, clock } = setup();
    await ready.forRoute('dest.test', 'pool', 'unspecified', route);
    clock.advance(60_000);
    ready.reap(60_000, () => true);
    expect(ready.size).toBe(1);
    ready.reap(60_000, () => false);
    expect(ready.size).toBe(0);
  });
});
