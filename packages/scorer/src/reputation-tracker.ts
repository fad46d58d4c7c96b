import { systemClock, type Clock, type LogRecord, type LogRecordType } from '@mtakit/core';
import { LRUCache } from 'lru-cache';
import { tenantOfRecord } from './log-record.js';
import { RollingCounts } from './rolling.js';

export type DeliveryOutcome = 'delivered' | 'bounced' | 'deferred' | 'complained';

export interface OutcomeCounts {
  delivered: number;
  bounced: number;
  deferred: number;
  complained: number;
}

/** A tenant's outcomes in the recent window and in the baseline (the rest of the horizon before it). */
export interface ReputationSnapshot {
  recent: OutcomeCounts;
  baseline: OutcomeCounts;
}

export interface ReputationTrackerOptions {
  /** Default: the system clock. */
  clock?: Clock;
  /** The window whose rates are judged, ms. Default 1 hour. */
  recentWindowMs?: number;
  /** How far back the baseline reaches, ms. Default 7 days. */
  baselineWindowMs?: number;
  /** Counting granularity, ms. Default 15 minutes. */
  bucketMs?: number;
  /** Tenants tracked (least recently active dropped first). Default 2,000 (about 16 KiB each with the default windows). */
  maxTenants?: number;
}

const OUTCOMES: readonly DeliveryOutcome[] = ['delivered', 'bounced', 'deferred', 'complained'];

/** Which outcome a log record type counts as; other types do not count. */
const OUTCOME_OF: Partial<Record<LogRecord['type'], DeliveryOutcome>> = {
  Delivery: 'delivered',
  Bounce: 'bounced',
  OOB: 'bounced',
  TransientFailure: 'deferred',
  Feedback: 'complained',
};

/**
 * Per-tenant delivery outcomes from log records, for the reputation-drift stage: subscribe it to
 * the log bus (`bus.subscribe((r) => tracker.consume(r))`). Records are counted at their own
 * timestamp; the tenant comes from `meta.tenant`, else from the queue name.
 */
export class ReputationTracker {
  readonly #clock: Clock;
  readonly #recentMs: number;
  readonly #horizonMs: number;
  readonly #bucketMs: number;
  readonly #tenants: LRUCache<string, RollingCounts>;

  constructor(options: ReputationTrackerOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#recentMs = options.recentWindowMs ?? 3_600_000;
    this.#bucketMs = options.bucketMs ?? 900_000;
    this.#horizonMs = this.#recentMs + (options.baselineWindowMs ?? 7 * 86_400_000);
    this.#tenants = new LRUCache({ max: options.maxTenants ?? 2_000 });
  }

  /** The window whose rates are judged, ms. */
  get recentWindowMs(): number {
    return this.#recentMs;
  }

  /** How far back the baseline reaches before the recent window, ms. */
  get baselineWindowMs(): number {
    return this.#horizonMs - this.#recentMs;
  }

  /** The record types `consume` counts (subscribe with them: `forRecordTypes(tracker.recordTypes, …)`). */
  readonly recordTypes: readonly LogRecordType[] = Object.freeze(Object.keys(OUTCOME_OF) as LogRecordType[]);

  /** Counts a log record if it is a delivery outcome (Delivery, Bounce, OOB, TransientFailure, Feedback). */
  consume(record: LogRecord): void {
    const outcome = OUTCOME_OF[record.type];
    if (outcome === undefined) return;
    this.record(tenantOfRecord(record), outcome, record.timestamp * 1000);
  }

  /** Counts one outcome directly (for sources other than log records). `at` defaults to now. */
  record(tenant: string, outcome: DeliveryOutcome, at = this.#clock.now()): void {
    let counts = this.#tenants.get(tenant);
    if (!counts) {
      counts = new RollingCounts(this.#bucketMs, this.#horizonMs, OUTCOMES.length);
      this.#tenants.set(tenant, counts);
    }
    counts.add(at, OUTCOMES.indexOf(outcome));
  }

  /** The tenant's counts at `now` (default: the clock), or `undefined` when nothing was recorded for it. */
  snapshot(tenant: string, now = this.#clock.now()): ReputationSnapshot | undefined {
    const counts = this.#tenants.get(tenant);
    if (!counts) return undefined;
    const recent = {} as OutcomeCounts;
    const baseline = {} as OutcomeCounts;
    OUTCOMES.forEach((outcome, field) => {
      recent[outcome] = counts.recent(now, this.#recentMs, field);
      baseline[outcome] = counts.total(now, field) - recent[outcome];
    });
    return { recent, baseline };
  }
}
