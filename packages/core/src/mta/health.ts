import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../contracts/logger.js';
import { OutsideStores } from '../health/outside-store.js';
import { httpReply, type HttpListener } from '../http/listener.js';

/** The outside stores of an MTA; each going down or coming back is logged once. */
export function outsideStores(logger: Logger): OutsideStores {
  return new OutsideStores({
    onChange: (s) => {
      if (s.up) logger('info', `${s.name} store is back`);
      else logger('warn', `${s.name} store is down (${s.error ?? 'unreachable'}): ${s.degradedMode}`);
    },
  });
}

/**
 * `GET /api/check-health/v1`: 200 when every outside store is up, 503 naming the ones that are
 * down and what the MTA does meanwhile. Liveness (`/api/check-liveness/v1`) stays 200 either
 * way: the MTA is alive and degraded, not dead.
 */
export function registerHealthRoute(http: HttpListener, stores: OutsideStores): void {
  http.route('GET', '/api/check-health/v1', () => {
    const down = stores.down();
    return httpReply({ status: down.length === 0 ? 200 : 503, body: { ok: down.length === 0, down, stores: stores.list().map((s) => s.report()) } });
  });
}

/** `mtakit_outside_store_up{store}`: 1 while a store is reachable, 0 while it is down. */
export function registerHealthMetrics(registry: Registry, stores: OutsideStores): void {
  // A registry reused by a later MTA reports that MTA's stores.
  registry.removeSingleMetric('mtakit_outside_store_up');
  new Gauge({
    name: 'mtakit_outside_store_up',
    help: 'Whether an outside store (Redis for shaping or suppression) is reachable: 1 up, 0 down',
    labelNames: ['store'],
    registers: [registry],
    collect() {
      for (const s of stores.list()) this.set({ store: s.name }, s.up ? 1 : 0);
    },
  });
}
