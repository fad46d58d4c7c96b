import {
  ConfigError, MtaKitError, systemClock, toMtaKitError,
  type Clock, type DimensionScore, type JsonValue, type Message, type PreSendContext, type PreSendHook, type PreSendResult, type PreSendVerdict,
} from '@mtakit/core';
import { LRUCache } from 'lru-cache';
import { CampaignCache, contentVersion, type CampaignCacheOptions } from './campaign-cache.js';
import { Evaluation } from './evaluation.js';
import { campaignKey } from './keys.js';
import { risksOf, type HoldOverride } from './override.js';
import { baseSettings, resolveSettings, type ResolvedSettings, type TenantSettings } from './settings.js';
import type { FailurePolicy, Stage, StageOutcome } from './types.js';
import { atLeast, combineScores, verdictForScore } from './verdict.js';

/** A monotonic millisecond source for budgets (sub-millisecond resolution). */
export interface Stopwatch {
  now(): number;
}

export interface ScorerOptions {
  /** The stages, in order (see `builtinStages`). */
  stages: readonly Stage[];
  /** Settings for every tenant, layered over the built-in defaults. */
  defaults?: TenantSettings;
  /** Per-tenant settings over `defaults`: a table (validated now) or a function (validated per call). */
  tenants?: Readonly<Record<string, TenantSettings>> | ((tenant: string) => TenantSettings | undefined);
  /** Wall clock handed to stages (time of send, reputation windows). Default: the system clock. */
  clock?: Clock;
  /** Budget clock. Default: `performance`. */
  stopwatch?: Stopwatch;
  /** How long one stage's asynchronous answer is awaited, ms (a stage may set its own). Default 25. Synchronous stages are not timed. */
  stageBudgetMs?: number;
  /** How long an evaluation may wait for asynchronous answers in all, ms. Default 50. */
  pipelineBudgetMs?: number;
  cache?: CampaignCacheOptions;
  /**
   * The content version of a message when its `content_version` meta is not set. Default: a hash
   * of the subject, sender identity and body with per-recipient details masked (`contentVersion`).
   */
  contentVersion?: (message: Message, context: PreSendContext) => string;
}

interface Acknowledgement {
  /** Highest score acknowledged per dimension. */
  dimensions: ReadonlyMap<string, number>;
  id: string;
  expiresAt: number | undefined;
}

/** What happened to one stage in one evaluation. */
type StageResult = { ok: true; outcome: StageOutcome; cached: boolean } | { ok: false; why: string };

/**
 * The pre-send pipeline: runs its stages in order, each within its budget, weighs their scores
 * per tenant into a 0–100 risk, and turns it into a verdict. It never throws and never loses mail:
 * a failing or slow stage is skipped and the tenant's failure policy decides (default: pass, but
 * flagged). See docs/scorer.md.
 */
export class Scorer implements PreSendHook {
  readonly #stages: readonly Stage[];
  readonly #clock: Clock;
  readonly #stopwatch: Stopwatch;
  readonly #stageBudget: number;
  readonly #pipelineBudget: number;
  readonly #cache: CampaignCache;
  readonly #version: (message: Message, context: PreSendContext, input: Evaluation) => string;
  readonly #base: ResolvedSettings;
  readonly #tenants: ((tenant: string) => ResolvedSettings) | ReadonlyMap<string, ResolvedSettings>;
  readonly #acknowledged = new LRUCache<string, Acknowledgement>({ max: 10_000 });

  constructor(options: ScorerOptions) {
    const names = new Set<string>();
    for (const stage of options.stages) {
      if (names.has(stage.name)) throw new ConfigError('stages', stage.name, 'two stages have this name');
      if (!(stage.weight >= 0 && stage.weight <= 1)) throw new ConfigError(`stages.${stage.name}.weight`, stage.weight, 'must be a number from 0 to 1');
      names.add(stage.name);
    }
    this.#stages = [...options.stages];
    this.#clock = options.clock ?? systemClock;
    this.#stopwatch = options.stopwatch ?? performance;
    this.#stageBudget = positive('stageBudgetMs', options.stageBudgetMs ?? 25);
    this.#pipelineBudget = positive('pipelineBudgetMs', options.pipelineBudgetMs ?? 50);
    this.#cache = new CampaignCache(options.cache);
    const custom = options.contentVersion;
    this.#version = (message, context, input) =>
      message.metaString('content_version') ?? custom?.(message, context) ?? contentVersion(message, input.tenant, input.campaign, input.mailClass);
    const stageWeights = new Map(this.#stages.map((s) => [s.name, s.weight]));
    this.#base = options.defaults ? resolveSettings(options.defaults, baseSettings(stageWeights), 'defaults') : baseSettings(stageWeights);
    const tenants = options.tenants;
    if (typeof tenants === 'function') {
      const resolved = new WeakMap<TenantSettings, ResolvedSettings>();
      this.#tenants = (tenant) => {
        const input = tenants(tenant);
        if (input === undefined) return this.#base;
        let r = resolved.get(input);
        if (!r) resolved.set(input, (r = resolveSettings(input, this.#base, `tenants.${tenant}`)));
        return r;
      };
    } else {
      this.#tenants = new Map(Object.entries(tenants ?? {}).map(([t, s]) => [t, resolveSettings(s, this.#base, `tenants.${t}`)]));
    }
  }

  async evaluate(message: Message, context: PreSendContext): Promise<PreSendResult> {
    const started = this.#stopwatch.now();
    let settings = this.#base;
    try {
      settings = this.#settingsFor(context.tenant ?? '');
      const result = this.#evaluate(message, context, settings, started);
      return result instanceof Promise ? await result : result;
    } catch (error) {
      // A bug in the pipeline itself (or bad tenant settings from a function): the message is
      // still let through under the failure policy, with the cause on record.
      const why = toMtaKitError(error).message;
      return {
        verdict: failureVerdict('pass', settings.onFailure),
        score: 0,
        breakdown: {},
        actions: [`The scorer failed (${why}), so the "${settings.onFailure}" failure policy applied.`],
        threshold: settings.bands.threshold,
        skipped: { pipeline: why },
        extra: { elapsed_ms: this.#elapsed(started), failure_policy: settings.onFailure },
      };
    }
  }

  /**
   * Records an override: later holds of the same tenant and campaign become flags while every risk
   * they carry is an acknowledged dimension at no higher a score than acknowledged (a new or
   * worse risk holds again; rejects never change). Only `release` overrides count.
   */
  acknowledge(override: HoldOverride): void {
    if (override.action !== 'release') return;
    const key = campaignKey(override);
    const dimensions = new Map(this.#acknowledged.get(key)?.dimensions);
    for (const r of override.risks) dimensions.set(r.dimension, Math.max(r.score, dimensions.get(r.dimension) ?? 0));
    this.#acknowledged.set(key, { dimensions, id: override.id, expiresAt: override.expiresAt });
  }

  #settingsFor(tenant: string): ResolvedSettings {
    return typeof this.#tenants === 'function' ? this.#tenants(tenant) : (this.#tenants.get(tenant) ?? this.#base);
  }

  #evaluate(message: Message, context: PreSendContext, settings: ResolvedSettings, started: number): PreSendResult | Promise<PreSendResult> {
    const input = new Evaluation(message, context, this.#clock.now());
    let version: string | undefined;
    // By stage, in the order of `#stages`.
    const results: Array<StageResult | Promise<StageResult>> = [];
    let pending = false;
    for (const stage of this.#stages) {
      // Budgets bound waits, not work: a synchronous stage always counts (its work is bounded by
      // the sampling limits of what it reads), so no verdict depends on how fast the machine is;
      // only an answer that has not arrived yet (a lookup, a remote policy) can run out of time.
      const left = Math.max(0, this.#pipelineBudget - (this.#stopwatch.now() - started));
      const budget = Math.min(stage.budgetMs ?? this.#stageBudget, left);
      if (stage.scope === 'campaign') {
        try {
          version ??= this.#version(message, context, input);
        } catch (error) {
          results.push({ ok: false, why: `failed: no content version: ${toMtaKitError(error).message}` });
          continue;
        }
      }
      const result = this.#runStage(stage, input, stage.scope === 'campaign' ? version : undefined, budget);
      if (result instanceof Promise) pending = true;
      results.push(result);
    }
    // Nearly every evaluation is synchronous (cached campaign outcomes, in-memory histories): no
    // await per stage then, each of which would cost a turn of the microtask queue, nor a promise
    // for the whole evaluation.
    if (pending) return Promise.all(results).then((settled) => this.#result(input, settings, settled, version, started));
    return this.#result(input, settings, results as StageResult[], version, started);
  }

  #runStage(stage: Stage, input: Evaluation, version: string | undefined, budget: number): StageResult | Promise<StageResult> {
    let outcome: StageOutcome | Promise<StageOutcome>;
    let cached = false;
    try {
      const hit = version === undefined ? undefined : this.#cache.get(version, stage.name);
      if (hit !== undefined) {
        outcome = hit;
        cached = true;
      } else {
        outcome = stage.run(input);
        if (!(outcome instanceof Promise)) checkOutcome(stage.name, outcome);
        if (version !== undefined) {
          // A cached outcome serves every message of its campaign: its reasons are frozen once
          // here, so that no result has to copy them to keep the cache safe from its readers.
          outcome = outcome instanceof Promise ? outcome.then((o) => shared(checkOutcome(stage.name, o))) : shared(outcome);
          this.#cache.set(version, stage.name, outcome);
        }
      }
    } catch (error) {
      return { ok: false, why: `failed: ${toMtaKitError(error).message}` };
    }
    if (outcome instanceof Promise) return withinBudget(stage.name, outcome, budget, cached);
    return { ok: true, outcome, cached };
  }

  #result(input: Evaluation, settings: ResolvedSettings, results: readonly StageResult[], version: string | undefined, started: number): PreSendResult {
    const breakdown: Record<string, DimensionScore> = {};
    let skipped: Record<string, string> | undefined;
    const cached: string[] = [];
    let ranked: Array<{ actions: readonly string[]; contribution: number }> | undefined;
    let floor: PreSendVerdict = 'pass';
    for (let i = 0; i < this.#stages.length; i++) {
      const name = this.#stages[i]!.name;
      const r = results[i]!;
      if (!r.ok) {
        (skipped ??= {})[name] = r.why;
        continue;
      }
      const { score, reasons, floor: stageFloor } = r.outcome;
      const weight = settings.weights.get(name) ?? this.#stages[i]!.weight;
      // Frozen reasons (a cached outcome's) are shared; a stage's own array is copied, as the
      // stage may still hold it.
      breakdown[name] = { score, weight, reasons: Object.isFrozen(reasons) ? reasons : [...reasons] };
      if (r.cached) cached.push(name);
      if (stageFloor) floor = atLeast(floor, stageFloor);
      if (score > 0 || stageFloor) (ranked ??= []).push({ actions: r.outcome.actions ?? [], contribution: stageFloor ? Infinity : weight * score });
    }
    const score = combineScores(Object.values(breakdown));
    const extra: Record<string, JsonValue> = { elapsed_ms: this.#elapsed(started), cached };
    if (version !== undefined) extra.content_version = version;
    let verdict = atLeast(verdictForScore(score, settings.bands), floor);
    if (verdict === 'hold') {
      const ack = this.#acknowledgement(input, breakdown);
      if (ack) {
        verdict = 'flag';
        extra.override = ack;
      }
    }
    const actions = ranked === undefined ? [] : rankedActions(ranked);
    if (skipped !== undefined) {
      verdict = failureVerdict(verdict, settings.onFailure);
      extra.failure_policy = settings.onFailure;
      actions.push(`Stages ${Object.keys(skipped).join(', ')} could not score this message, so the "${settings.onFailure}" failure policy applied.`);
    }
    if (verdict !== 'reject') this.#observe(input, verdict);
    const result: PreSendResult = { verdict, score, breakdown, actions, threshold: settings.bands.threshold, extra };
    if (skipped !== undefined) result.skipped = skipped;
    return result;
  }

  /** The id of a live override covering every risk of this result, if any. */
  #acknowledgement(input: Evaluation, breakdown: Record<string, DimensionScore>): string | undefined {
    const ack = this.#acknowledged.get(campaignKey(input));
    if (!ack || (ack.expiresAt !== undefined && ack.expiresAt <= input.now)) return undefined;
    const risks = risksOf({ verdict: 'hold', score: 0, breakdown, actions: [], threshold: 0 });
    return risks.every((r) => r.score <= (ack.dimensions.get(r.dimension) ?? -1)) ? ack.id : undefined;
  }

  #observe(input: Evaluation, verdict: PreSendVerdict): void {
    for (const stage of this.#stages) {
      try {
        stage.observe?.(input, verdict);
      } catch {
        // Learning from traffic is best effort: it must never change or delay a verdict.
      }
    }
  }

  #elapsed(started: number): number {
    return Math.round((this.#stopwatch.now() - started) * 1000) / 1000;
  }
}

/** The stages' actions, most contributing stage first, each once (a loop: a handful of actions needs no Set). */
function rankedActions(ranked: Array<{ actions: readonly string[]; contribution: number }>): string[] {
  if (ranked.length > 1) ranked.sort((a, b) => (a.contribution === b.contribution ? 0 : a.contribution < b.contribution ? 1 : -1));
  const actions: string[] = [];
  for (const r of ranked) for (const a of r.actions) if (!actions.includes(a)) actions.push(a);
  return actions;
}

/** The outcome with its reasons frozen (a copy: the stage may still hold its array). */
function shared(outcome: StageOutcome): StageOutcome {
  return Object.isFrozen(outcome.reasons) ? outcome : { ...outcome, reasons: Object.freeze([...outcome.reasons]) as string[] };
}

function failureVerdict(verdict: PreSendVerdict, policy: FailurePolicy): PreSendVerdict {
  return policy === 'pass' ? verdict : atLeast(verdict, policy);
}

async function withinBudget(stage: string, pending: Promise<StageOutcome>, budget: number, cached: boolean): Promise<StageResult> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new MtaKitError('E_POLICY_TIMEOUT', `over budget: no answer within ${budget.toFixed(2)} ms`)), budget);
    timer.unref();
  });
  try {
    const outcome = checkOutcome(stage, await Promise.race([pending, deadline]));
    return { ok: true, outcome, cached };
  } catch (error) {
    const e = toMtaKitError(error);
    return { ok: false, why: e.code === 'E_POLICY_TIMEOUT' ? e.message : `failed: ${e.message}` };
  } finally {
    clearTimeout(timer);
  }
}

function checkOutcome(stage: string, outcome: StageOutcome): StageOutcome {
  if (typeof outcome !== 'object' || outcome === null || !(outcome.score >= 0 && outcome.score <= 100) || !Array.isArray(outcome.reasons)) {
    throw new MtaKitError('E_POLICY', `stage ${stage} returned ${JSON.stringify(outcome)}; expected { score: 0–100, reasons: [...] }`);
  }
  return outcome;
}

function positive(key: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new ConfigError(key, value, 'must be a positive number of milliseconds');
  return value;
}
