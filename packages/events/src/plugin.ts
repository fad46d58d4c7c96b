import { join } from 'node:path';
import { Counter, Gauge, type Registry } from '@mtakit/core/metrics';
import { ConfigError } from '@mtakit/core';
import { httpReply, type HttpListener } from '@mtakit/core/http';
import type { MtaPlugin } from '@mtakit/core/mta';
import { EventHub, type EndpointConfig, type EventDispatch } from './hub.js';
import type { JournalSync } from './journal.js';

export interface EventsPluginOptions {
  endpoints: readonly EndpointConfig[];
  /** Where the queues live (default `<dataDir>/events`). */
  dir?: string;
  /** When a published event counts as stored: `write` (default) or `fsync` (see `JournalSync`). */
  sync?: JournalSync;
  /** Where the lanes and sinks run: `main` (default) or `worker` (see `EventDispatch`). */
  dispatch?: EventDispatch;
}

/**
 * Pushes every log record to the configured endpoints through durable queues, as the MTA policy's
 * `should_enqueue_log_record(record, endpoint name)` allows when it has that hook. Adds
 * `GET /api/events/v1/endpoints`, `GET /api/events/v1/dead-letters?endpoint=…&limit=…` and
 * `POST /api/events/v1/dead-letters/replay` `{ "endpoint": … }`, and the `events_*` metrics.
 */
export function eventsPlugin(options: EventsPluginOptions): MtaPlugin {
  return {
    name: 'events',
    async setup(context) {
      const hub = new EventHub({
        dir: options.dir ?? join(context.dataDir, 'events'),
        endpoints: options.endpoints,
        ...(options.sync ? { sync: options.sync } : {}),
        ...(options.dispatch ? { dispatch: options.dispatch } : {}),
        // KumoMTA's per-log-hook filter, with each endpoint's name as the hook name.
        shouldEnqueue: () => context.policy?.().should_enqueue_log_record,
        warn: (m) => context.logger('warn', `events: ${m}`),
      });
      // Started here, before anything listens, so the first record already has an open journal.
      await hub.start();
      return {
        logConsumers: [hub.consumer],
        routes: (http) => eventRoutes(http, hub),
        metrics: (registry) => eventMetrics(registry, hub),
        stop: () => hub.stop(),
      };
    },
  };
}

function eventRoutes(http: HttpListener, hub: EventHub): void {
  http.route('GET', '/api/events/v1/endpoints', () => ({ endpoints: hub.stats() }));
  http.route('GET', '/api/events/v1/dead-letters', async (r) => {
    const endpoint = r.query.get('endpoint');
    if (!endpoint) throw new ConfigError('endpoint', endpoint, 'name the endpoint (?endpoint=…)');
    const limit = Number(r.query.get('limit') ?? 100);
    return { endpoint, dead_letters: await hub.deadLetters(endpoint, Number.isInteger(limit) && limit > 0 ? limit : 100) };
  });
  http.route('POST', '/api/events/v1/dead-letters/replay', async (r) => {
    const endpoint = (r.body as { endpoint?: unknown } | undefined)?.endpoint;
    if (typeof endpoint !== 'string') throw new ConfigError('endpoint', endpoint, 'name the endpoint in the JSON body');
    return httpReply({ status: 202, body: { endpoint, replayed: await hub.replayDeadLetters(endpoint) } });
  });
}

type Status = ReturnType<EventHub['stats']>[number];

/** Read from the hub at scrape time; counters are totals since start, labelled by endpoint. */
function eventMetrics(registry: Registry, hub: EventHub): void {
  const family = (Kind: typeof Gauge | typeof Counter, name: string, help: string, value: (s: Status) => number) => {
    const metric: Gauge<'endpoint'> | Counter<'endpoint'> = new Kind({
      name, help, labelNames: ['endpoint'], registers: [registry],
      collect() {
        metric.reset();
        for (const s of hub.stats()) {
          if (metric instanceof Gauge) metric.set({ endpoint: s.name }, value(s));
          else metric.inc({ endpoint: s.name }, value(s));
        }
      },
    });
  };
  family(Counter, 'events_sent_total', 'Events delivered to an endpoint', (s) => s.sent);
  family(Counter, 'events_failed_attempts_total', 'Failed delivery attempts of an endpoint', (s) => s.failed);
  family(Counter, 'events_dead_lettered_total', 'Events moved to the dead-letter store', (s) => s.dead_lettered);
  family(Gauge, 'events_queue_depth', 'Events queued for an endpoint', (s) => s.queued);
  family(Gauge, 'events_oldest_age_seconds', 'Age of the oldest undelivered event of an endpoint', (s) => s.oldest_age_ms / 1000);
  family(Gauge, 'events_mean_latency_seconds', 'Mean request latency of an endpoint', (s) => s.mean_latency_ms / 1000);
  family(Gauge, 'events_breaker_open', '1 while an endpoint\'s circuit breaker is open', (s) => Number(s.breaker === 'open'));
}
