import type { PreSendResult } from '@mtakit/core';
import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * The scorer's Prometheus metrics, in MtaMetrics' registry so `GET /metrics` shows them. Labels
 * stay bounded: verdicts and stage names only (a tenant comes from a header unless clients
 * authenticate; per-tenant verdicts are in the PreSendVerdict log records).
 */
export class ScorerMetrics {
  readonly verdicts: Counter<'verdict'>;
  readonly latency: Histogram;
  /** Stages skipped (thrown, over budget, malformed outcome); `pipeline` when the scorer itself failed. */
  readonly stageFailures: Counter<'stage'>;
  /** Evaluations that reused a campaign's cached content verdicts. */
  readonly cacheHits: Counter;
  readonly overrides: Counter<'action'>;
  readonly released: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.verdicts = new Counter({ name: 'scorer_verdicts_total', help: 'Pre-send verdicts, by verdict (pass, flag, hold, reject)', labelNames: ['verdict'], registers });
    this.latency = new Histogram({
      name: 'scorer_latency_seconds', help: 'Seconds to score one message (all stages)', registers,
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    });
    this.stageFailures = new Counter({ name: 'scorer_stage_failures_total', help: 'Scorer stages skipped for an error or their time budget, by stage', labelNames: ['stage'], registers });
    this.cacheHits = new Counter({ name: 'scorer_cache_hits_total', help: 'Evaluations that reused cached campaign-level stage outcomes', registers });
    this.overrides = new Counter({ name: 'scorer_overrides_total', help: 'Hold overrides recorded, by action', labelNames: ['action'], registers });
    this.released = new Counter({ name: 'scorer_released_messages_total', help: 'Held messages released by an override', registers });
  }

  record(result: PreSendResult, seconds: number): void {
    this.verdicts.inc({ verdict: result.verdict });
    this.latency.observe(seconds);
    for (const stage of Object.keys(result.skipped ?? {})) this.stageFailures.inc({ stage });
    const cached = result.extra?.['cached'];
    if (Array.isArray(cached) && cached.length > 0) this.cacheHits.inc();
  }
}
