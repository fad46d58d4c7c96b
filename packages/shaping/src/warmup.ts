import {
  ConfigError, durationOption, systemClock, type Clock, type Duration, type LogRecord,
} from '@mtakit/core';

/** Messages per day on day 1, 2, …; after the last day the source is no longer restricted. */
export const DEFAULT_WARMUP_CAPS: readonly number[] = [50, 200, 1_000, 5_000, 25_000, 100_000, 400_000];

/** One source's IP warm-up, as data. */
export interface WarmupPlan {
  /** The egress source being warmed up. */
  source: string;
  /** Only for this site name (the plan for the source's other sites is looked up separately). Default: every site. */
  site?: string;
  /** Day 1 of the plan, `YYYY-MM-DD` (UTC). Before it, day 1's cap applies. */
  start: string;
  /** Daily caps. Default `DEFAULT_WARMUP_CAPS`. */
  dailyCaps?: readonly number[];
  /** `max_burst` of the selection rate; 1 spreads the day's messages evenly. Default 1. */
  maxBurst?: number;
  /** Do not advance while the bounce rate (bounces / (deliveries + bounces)) is above this. Default 0.05. */
  maxBounceRate?: number;
  /** Do not advance while the complaint rate (complaints / deliveries) is above this. Default 0.001. */
  maxComplaintRate?: number;
  /** Rates are only judged once the window holds this many deliveries and bounces. Default 100. */
  minSample?: number;
  /** Trailing period the rates are measured over. Default 1 day. */
  window?: Duration;
}

/** Where a plan stands. */
export interface WarmupStatus {
  readonly source: string;
  readonly site: string | undefined;
  /** 1-based plan day in effect (it stays put on paused days). */
  readonly day: number;
  /** Today's cap; undefined once the plan is complete. */
  readonly dailyCap: number | undefined;
  /** The `source_selection_rate` to apply; undefined once complete. */
  readonly selectionRate: string | undefined;
  readonly paused: boolean;
  readonly pausedDays: number;
  readonly bounceRate: number | undefined;
  readonly complaintRate: number | undefined;
}

/** Persisted state (a JSON document). */
export interface WarmupSnapshot {
  readonly version: 1;
  readonly plans: Record<string, PlanState>;
  readonly stats: Record<string, Record<string, Counts>>;
}

interface PlanState {
  /** 0-based index into the caps. */
  step: number;
  /** Last UTC date the plan was evaluated on. */
  date: string;
  pausedDays: number;
}

interface Counts {
  delivered: number;
  bounced: number;
  complained: number;
}

interface ResolvedPlan {
  readonly key: string;
  readonly source: string;
  readonly site: string | undefined;
  readonly start: string;
  readonly caps: readonly number[];
  readonly maxBurst: number;
  readonly maxBounceRate: number;
  readonly maxComplaintRate: number;
  readonly minSample: number;
  readonly windowMs: number;
}

const DAY_MS = 86_400_000;
const BUCKET_MS = 3_600_000;

/**
 * IP warm-up schedules as selection rates (KumoMTA enforces warm-up with `source_selection_rate`
 * throttles, not pool weights). Each plan moves one day forward per calendar day (UTC) from its
 * start date, except on days its source's bounce or complaint rate, measured from the log records
 * fed to `consume`, is over the plan's threshold. Pure: time comes from the clock, state from and
 * to `snapshot()`.
 */
export class Warmup {
  readonly #clock: Clock;
  readonly #plans: ResolvedPlan[];
  readonly #state = new Map<string, PlanState>();
  /** Per source, hourly buckets of outcomes (bucket start ms as key). */
  readonly #stats = new Map<string, Map<number, Counts>>();
  #version = 0;

  constructor(plans: readonly WarmupPlan[], options: { clock?: Clock; snapshot?: WarmupSnapshot } = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#plans = plans.map((p, i) => resolvePlan(p, `warmup[${i}]`));
    const seen = new Set<string>();
    for (const p of this.#plans) {
      if (seen.has(p.key)) throw new ConfigError(`warmup`, p.key, 'two plans for the same source and site');
      seen.add(p.key);
    }
    if (options.snapshot) this.#restore(options.snapshot);
  }

  /** Increases on every change, so a caller can persist only when something changed. */
  get version(): number {
    return this.#version;
  }

  /** Counts deliveries, bounces and complaints of sources that have a plan. */
  consume(record: LogRecord): void {
    const source = record.egress_source;
    if (!source || !this.#plans.some((p) => p.source === source)) return;
    const field = record.type === 'Delivery' ? 'delivered' : record.type === 'Bounce' || record.type === 'OOB' ? 'bounced' : record.type === 'Feedback' ? 'complained' : undefined;
    if (!field) return;
    let buckets = this.#stats.get(source);
    if (!buckets) this.#stats.set(source, (buckets = new Map()));
    const at = Math.floor((record.timestamp * 1000) / BUCKET_MS) * BUCKET_MS;
    const counts = buckets.get(at) ?? { delivered: 0, bounced: 0, complained: 0 };
    counts[field]++;
    buckets.set(at, counts);
    this.#version++;
  }

  /** The selection rate for a path today, or undefined when no plan applies or it is complete. */
  selectionRate(source: string, site: string): string | undefined {
    return this.statusFor(source, site)?.selectionRate;
  }

  /** The plan for a path: the one for this exact site, else the source-wide one. */
  statusFor(source: string, site: string): WarmupStatus | undefined {
    const plan = this.#plans.find((p) => p.source === source && p.site === site) ?? this.#plans.find((p) => p.source === source && p.site === undefined);
    return plan && this.#status(plan);
  }

  status(): WarmupStatus[] {
    return this.#plans.map((p) => this.#status(p));
  }

  snapshot(): WarmupSnapshot {
    const stats: Record<string, Record<string, Counts>> = {};
    for (const [source, buckets] of this.#stats) stats[source] = Object.fromEntries(buckets);
    return { version: 1, plans: Object.fromEntries(this.#state), stats };
  }

  #status(plan: ResolvedPlan): WarmupStatus {
    const now = this.#clock.now();
    const rates = this.#rates(plan, now);
    const paused = (rates.bounce ?? 0) > plan.maxBounceRate || (rates.complaint ?? 0) > plan.maxComplaintRate;
    const state = this.#advance(plan, isoDate(now), paused);
    const cap = plan.caps[state.step];
    return {
      source: plan.source,
      site: plan.site,
      day: state.step + 1,
      dailyCap: cap,
      selectionRate: cap === undefined ? undefined : `${cap}/d,max_burst=${Math.min(plan.maxBurst, cap)}`,
      paused,
      pausedDays: state.pausedDays,
      bounceRate: rates.bounce,
      complaintRate: rates.complaint,
    };
  }

  /** Moves the plan to `today`: one step per elapsed day, none for days it is paused. */
  #advance(plan: ResolvedPlan, today: string, paused: boolean): PlanState {
    let state = this.#state.get(plan.key);
    if (!state) {
      state = { step: Math.max(0, daysBetween(plan.start, today)), date: today, pausedDays: 0 };
      this.#state.set(plan.key, state);
      this.#version++;
    }
    const elapsed = daysBetween(state.date, today);
    if (elapsed > 0) {
      if (paused) state.pausedDays += elapsed;
      else state.step = Math.min(plan.caps.length, state.step + elapsed);
      state.date = today;
      this.#version++;
    }
    return state;
  }

  #rates(plan: ResolvedPlan, now: number): { bounce: number | undefined; complaint: number | undefined } {
    const buckets = this.#stats.get(plan.source);
    const total: Counts = { delivered: 0, bounced: 0, complained: 0 };
    for (const [at, counts] of buckets ?? []) {
      if (at + BUCKET_MS <= now - plan.windowMs) {
        // Older than any plan's window: drop it (plans of one source may differ in window).
        if (this.#plans.every((p) => p.source !== plan.source || at + BUCKET_MS <= now - p.windowMs)) buckets?.delete(at);
        continue;
      }
      total.delivered += counts.delivered;
      total.bounced += counts.bounced;
      total.complained += counts.complained;
    }
    const attempts = total.delivered + total.bounced;
    if (attempts < plan.minSample) return { bounce: undefined, complaint: undefined };
    return { bounce: total.bounced / attempts, complaint: total.delivered === 0 ? undefined : total.complained / total.delivered };
  }

  #restore(snapshot: WarmupSnapshot): void {
    for (const [key, state] of Object.entries(snapshot.plans ?? {})) {
      if (this.#plans.some((p) => p.key === key)) this.#state.set(key, { ...state });
    }
    for (const [source, buckets] of Object.entries(snapshot.stats ?? {})) {
      this.#stats.set(source, new Map(Object.entries(buckets).map(([at, counts]) => [Number(at), { ...counts }])));
    }
  }
}

function resolvePlan(p: WarmupPlan, at: string): ResolvedPlan {
  if (typeof p.source !== 'string' || p.source === '') throw new ConfigError(`${at}.source`, p.source, 'is required');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(p.start) || Number.isNaN(Date.parse(`${p.start}T00:00:00Z`))) {
    throw new ConfigError(`${at}.start`, p.start, 'must be a date like "2026-03-01"');
  }
  const caps = p.dailyCaps ?? DEFAULT_WARMUP_CAPS;
  if (caps.length === 0 || caps.some((c) => !Number.isSafeInteger(c) || c <= 0)) {
    throw new ConfigError(`${at}.dailyCaps`, caps, 'must be a non-empty list of positive integers');
  }
  const fraction = (key: 'maxBounceRate' | 'maxComplaintRate', fallback: number) => {
    const v = p[key] ?? fallback;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new ConfigError(`${at}.${key}`, v, 'must be a fraction between 0 and 1');
    return v;
  };
  const positive = (key: 'maxBurst' | 'minSample', fallback: number) => {
    const v = p[key] ?? fallback;
    if (!Number.isSafeInteger(v) || v < 1) throw new ConfigError(`${at}.${key}`, v, 'must be a positive integer');
    return v;
  };
  return {
    key: `${p.source}|${p.site ?? '*'}`,
    source: p.source,
    site: p.site,
    start: p.start,
    caps,
    maxBurst: positive('maxBurst', 1),
    maxBounceRate: fraction('maxBounceRate', 0.05),
    maxComplaintRate: fraction('maxComplaintRate', 0.001),
    minSample: positive('minSample', 100),
    windowMs: durationOption(`${at}.window`, p.window ?? '1 day'),
  };
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}
