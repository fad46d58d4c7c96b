import type { QueueViews } from '@mtakit/core';
import { Gauge, type Registry } from 'prom-client';
import type { LimitState } from '../inspect.js';
import type { Shaping } from '../shaping.js';

/** Reads of one scrape are shared by every gauge (each gauge's collect asks for them). */
const SNAPSHOT_MS = 250;

/**
 * Shaping as Prometheus gauges, read from the shaper when `/metrics` is scraped, per ready queue
 * (`service`, as the queue's own metrics label it) and limit (`limit`: the config key, e.g.
 * `connection_limit`, `additional_message_rate_throttles.global`):
 * `shaping_connection_leases` and `shaping_connection_lease_limit` for connection limits,
 * `shaping_throttle_remaining` and `shaping_throttled` (1 while the next unit must wait) for rates,
 * and `shaping_automation_effects` by effect kind.
 */
export function registerShapingMetrics(registry: Registry, queue: Pick<QueueViews, 'egressPathLimits'>, shaping: Shaping): void {
  let taken: { at: number; states: Promise<Array<{ service: string; state: LimitState }>> } | undefined;
  const snapshot = () => {
    if (!taken || Date.now() - taken.at > SNAPSHOT_MS) {
      const states = Promise.all(queue.egressPathLimits().map(async (p) => (await shaping.limitStates(p.limits)).map((state) => ({ service: p.name, state }))));
      taken = { at: Date.now(), states: states.then((all) => all.flat()) };
    }
    return taken.states;
  };
  const perLimit = (name: string, help: string, value: (s: LimitState) => number | undefined) => new Gauge({
    name, help, labelNames: ['service', 'limit'], registers: [registry],
    async collect() {
      this.reset();
      for (const { service, state } of await snapshot()) {
        const v = value(state);
        if (v !== undefined) this.set({ service, limit: state.name }, v);
      }
    },
  });
  perLimit('shaping_connection_leases', 'Live connection leases of a connection limit of the egress path', (s) => (s.kind === 'connections' ? s.leases.count : undefined));
  perLimit('shaping_connection_lease_limit', 'The connection limit in force for the egress path', (s) => (s.kind === 'connections' ? s.limit : undefined));
  perLimit('shaping_throttle_remaining', 'Units a throttle of the egress path admits now without waiting', (s) => (s.kind === 'connections' ? undefined : s.bucket.remaining));
  perLimit('shaping_throttled', '1 while the next unit through this throttle of the egress path must wait', (s) => (s.kind === 'connections' ? undefined : Number(!s.bucket.allowed)));
  new Gauge({
    name: 'shaping_automation_effects', help: 'Active traffic shaping automation effects, by kind', labelNames: ['kind'], registers: [registry],
    collect() {
      this.reset();
      for (const e of shaping.automation.activeEffects()) this.inc({ kind: e.kind });
    },
  });
}
