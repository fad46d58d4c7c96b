import type { Logger } from '@mtakit/core';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { LuaHostEvent } from '../policy.js';

/**
 * Makes what the Lua host reports visible: budget overruns, breaker changes, fallbacks and reloads
 * become Prometheus metrics (next to MtaMetrics' in the same registry, so `GET /metrics` shows
 * them) and log lines. The host already logs breaker changes and reloads itself; overruns are
 * logged here, fallbacks only counted (one per call while a breaker is open).
 */
export class LuaPolicyMetrics {
  readonly timeouts: Counter<'event'>;
  readonly fallbacks: Counter<'event'>;
  readonly breakerOpens: Counter<'event'>;
  /** 1 while the event's breaker is open. */
  readonly breakerOpen: Gauge<'event'>;
  readonly reloads: Counter<'result'>;
  readonly epoch: Gauge;
  readonly #logger: Logger;

  constructor(registry: Registry, logger: Logger) {
    const registers = [registry];
    this.#logger = logger;
    this.timeouts = new Counter({ name: 'lua_policy_timeouts_total', help: 'Lua hook calls stopped for going over their time budget', labelNames: ['event'], registers });
    this.fallbacks = new Counter({ name: 'lua_policy_fallbacks_total', help: 'Calls answered by the fallback while the event\'s breaker was open', labelNames: ['event'], registers });
    this.breakerOpens = new Counter({ name: 'lua_policy_breaker_opens_total', help: 'Times a Lua event\'s circuit breaker opened', labelNames: ['event'], registers });
    this.breakerOpen = new Gauge({ name: 'lua_policy_breaker_open', help: '1 while the Lua event\'s circuit breaker is open', labelNames: ['event'], registers });
    this.reloads = new Counter({ name: 'lua_policy_reloads_total', help: 'Lua policy reloads, by result (ok, failed)', labelNames: ['result'], registers });
    this.epoch = new Gauge({ name: 'lua_policy_config_epoch', help: 'Config epoch of the running Lua policy (bumped by each successful reload)', registers });
    this.epoch.set(1);
  }

  record(e: LuaHostEvent): void {
    switch (e.type) {
      case 'timeout':
        this.timeouts.inc({ event: e.event });
        this.#logger('warn', `policy: ${e.event} over budget: ${e.error.message}`);
        return;
      case 'fallback':
        this.fallbacks.inc({ event: e.event });
        return;
      case 'breaker_open':
        this.breakerOpens.inc({ event: e.event });
        this.breakerOpen.set({ event: e.event }, 1);
        return;
      case 'breaker_closed':
        this.breakerOpen.set({ event: e.event }, 0);
        return;
      case 'reload':
        // A new policy starts with every breaker closed.
        this.breakerOpen.reset();
        this.reloads.inc({ result: 'ok' });
        this.epoch.set(e.epoch);
        return;
      case 'epoch':
        this.epoch.set(e.epoch);
        return;
      case 'reload_failed':
        this.reloads.inc({ result: 'failed' });
        return;
    }
  }
}
