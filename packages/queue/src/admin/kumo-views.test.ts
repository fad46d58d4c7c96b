import { describe, expect, it } from 'vitest';
import { humanDuration, readyQueueStateMap } from './kumo-views.js';
import type { ReadyQueueState } from './views.js';

const state = (name: string, limited: boolean): ReadyQueueState => ({
  name, egress_source: 's', egress_pool: 'p', site_name: 'site', ready_count: 0, connection_count: 0, connection_limit: 1, max_ready: 10,
  paused_until: null, suspended: null, consecutive_connection_failures: 0,
  connection_limited: limited ? { context: 'connection_limit reached', since: '2026-01-01T00:00:00.000Z' } : null, connection_rate_throttled: null,
});

describe('kumod views', () => {
  it('maps only held-back ready queues, by name, optionally filtered', () => {
    const states = [state('a->x@smtp_client', true), state('b->x@smtp_client', false), state('c->x@smtp_client', true)];
    expect(readyQueueStateMap(states, undefined)).toEqual({
      'a->x@smtp_client': { connection_limited: { context: 'connection_limit reached', since: '2026-01-01T00:00:00.000Z' } },
      'c->x@smtp_client': { connection_limited: { context: 'connection_limit reached', since: '2026-01-01T00:00:00.000Z' } },
    });
    expect(Object.keys(readyQueueStateMap(states, new Set(['c->x@smtp_client', 'b->x@smtp_client'])))).toEqual(['c->x@smtp_client']);
  });

  it('prints durations like humantime', () => {
    expect(humanDuration(0)).toBe('0s');
    expect(humanDuration(-5)).toBe('0s');
    expect(humanDuration(3_723_045)).toBe('1h 2m 3s 45ms');
    expect(humanDuration(90_000_000)).toBe('1d 1h');
  });
});
