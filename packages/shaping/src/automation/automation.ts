import { systemClock, type Awaitable, type Clock, type LogRecord, type LogRecordType } from '@mtakit/core';
import type { ConfigOverride, ShapingRuleSet } from '../rules/rule-set.js';
import type { ExpiringRecord, ShapingStore } from '../stores/store.js';
import {
  DEFAULT_SKIP_RECORD_TYPES, effectsFor, recordContext, thresholdScope,
  type AutomationEffect, type ConfigEffect, type ReadyQueueSuspension, type ScheduledBounce, type ScheduledSuspension,
} from './effects.js';
import { ruleMatches } from './rule.js';

/**
 * What automation asks the MTA to do. The example MTA adapts these to the queue's admin
 * operations. Each call carries the effect's stable `id`: the same id with a later `expires` means
 * "extend", so adapters should upsert by id. Every method is optional.
 */
export interface AutomationActions {
  /** Suspend a ready queue (`name` = `source->site@smtp_client`) until `expires`. */
  suspendReadyQueue?(effect: ReadyQueueSuspension): Awaitable<void>;
  /** Suspend the scheduled queues of a tenant (and campaign) for a domain until `expires`. */
  suspendScheduled?(effect: ScheduledSuspension): Awaitable<void>;
  /** Bounce scheduled messages for a domain (tenant, campaign) until `expires`. */
  bounceScheduled?(effect: ScheduledBounce): Awaitable<void>;
  /**
   * A path parameter override started (`active`) or ended: re-request the path config of that
   * source and site now instead of waiting for its refresh interval.
   */
  configChanged?(effect: ConfigEffect, active: boolean): Awaitable<void>;
}

export interface TrafficShapingAutomationOptions {
  rules: ShapingRuleSet;
  /** Where threshold windows and effects live (shared through Redis when that store is used). */
  store: ShapingStore;
  actions?: AutomationActions;
  clock?: Clock;
  /** Record types never considered. Default `DEFAULT_SKIP_RECORD_TYPES`. */
  skipRecordTypes?: ReadonlySet<LogRecordType>;
  /** An action that threw. Default: a process warning. */
  onError?: (error: unknown, effect: AutomationEffect) => void;
}

/**
 * Traffic shaping automation in-process (KumoMTA's TSA daemon without the daemon): feed it log
 * records, it matches the rules of the loaded shaping files, counts Threshold triggers in sliding
 * windows, stores effects with their expiry and hands them to `actions`. `SetConfig` effects
 * reach the path config through `configOverrides()` (used by `createShaping`'s policy).
 */
export class TrafficShapingAutomation {
  #rules!: ShapingRuleSet;
  readonly #store: ShapingStore;
  readonly #actions: AutomationActions;
  readonly #clock: Clock;
  readonly #skip: ReadonlySet<LogRecordType>;
  readonly #onError: (error: unknown, effect: AutomationEffect) => void;
  /** Every regex of every rule: a response matching none of them skips the per-domain lookup. */
  #anyRule!: readonly RegExp[];
  /** Effects known to this process, by id. */
  #effects = new Map<string, AutomationEffect>();
  /** Expiry last handed to the actions, by id (a later expiry is handed over again). */
  readonly #delivered = new Map<string, number>();

  constructor(options: TrafficShapingAutomationOptions) {
    this.#store = options.store;
    this.#actions = options.actions ?? {};
    this.#clock = options.clock ?? systemClock;
    this.#skip = options.skipRecordTypes ?? DEFAULT_SKIP_RECORD_TYPES;
    this.#onError = options.onError ?? ((error, effect) => process.emitWarning(`traffic shaping automation: action for ${effect.kind} ${effect.id} failed: ${String(error)}`));
    this.setRules(options.rules);
  }

  /** Matches later records against these rules (reloaded files); effects already made stay. */
  setRules(rules: ShapingRuleSet): void {
    this.#rules = rules;
    this.#anyRule = rules.allRules().flatMap((r) => r.regex);
  }

  /** Considers one log record; returns the effects it created or extended. */
  async consume(record: LogRecord): Promise<AutomationEffect[]> {
    const ctx = recordContext(record, this.#skip);
    if (!ctx || !this.#anyRule.some((r) => r.test(ctx.response))) return [];
    const now = this.#clock.now();
    const created: AutomationEffect[] = [];
    for (const candidate of await this.#rules.candidateRules(ctx.domain, ctx.siteName)) {
      const { rule } = candidate;
      // A record older than the rule's duration could only create an already expired effect.
      if (ctx.at + rule.durationMs <= now || !ruleMatches(rule, ctx.response, ctx.internal)) continue;
      if (rule.trigger.type === 'Threshold') {
        const { limit, periodMs } = rule.trigger.spec;
        if ((await this.#store.countEvent(thresholdScope(rule, ctx), ctx.at, periodMs, now)) < limit) continue;
      }
      for (const effect of effectsFor(candidate, ctx)) {
        const known = this.#effects.get(effect.id);
        if (known && known.expires >= effect.expires) continue;
        await this.#store.putEffect(effect as unknown as ExpiringRecord);
        this.#effects.set(effect.id, effect);
        created.push(effect);
      }
    }
    await this.#deliver(created);
    return created;
  }

  /**
   * Picks up effects other processes stored (Redis), hands new ones to the actions, and reports
   * config overrides that ended. `createShaping` calls it on a timer; call it after a restart.
   */
  async sync(): Promise<void> {
    const now = this.#clock.now();
    const stored = (await this.#store.listEffects(now)) as unknown as AutomationEffect[];
    const previous = this.#effects;
    this.#effects = new Map(stored.map((e) => [e.id, e]));
    for (const [id, effect] of previous) {
      if (this.#effects.has(id)) continue;
      this.#delivered.delete(id);
      if (effect.kind === 'config' && effect.expires <= now) await this.#call(effect, () => this.#actions.configChanged?.(effect, false));
    }
    await this.#deliver(stored.filter((e) => (this.#delivered.get(e.id) ?? -Infinity) < e.expires));
  }

  /** Effects active now (as of the last `consume`/`sync`). */
  activeEffects(): AutomationEffect[] {
    const now = this.#clock.now();
    return [...this.#effects.values()].filter((e) => e.expires > now);
  }

  /** Active SetConfig overrides for one path, for the rules' merge (oldest first, so the latest wins). */
  configOverrides(domain: string, source: string, siteName: string): ConfigOverride[] {
    const name = domain.toLowerCase();
    return this.activeEffects()
      .filter((e): e is ConfigEffect => e.kind === 'config' && e.source === source && (e.scope === 'site' ? e.siteName === siteName : e.domain === name))
      .sort((a, b) => a.expires - b.expires)
      .map((e) => ({ scope: e.scope, name: e.name, value: e.value, origin: { file: e.rule.file, block: `${e.rule.block} automation (until ${new Date(e.expires).toISOString()})` } }));
  }

  async #deliver(effects: readonly AutomationEffect[]): Promise<void> {
    for (const effect of effects) {
      this.#delivered.set(effect.id, effect.expires);
      await this.#call(effect, () => {
        switch (effect.kind) {
          case 'suspend-ready-queue':
            return this.#actions.suspendReadyQueue?.(effect);
          case 'suspend-scheduled':
            return this.#actions.suspendScheduled?.(effect);
          case 'bounce-scheduled':
            return this.#actions.bounceScheduled?.(effect);
          case 'config':
            return this.#actions.configChanged?.(effect, true);
        }
      });
    }
  }

  async #call(effect: AutomationEffect, fn: () => Awaitable<void>): Promise<void> {
    try {
      await fn();
    } catch (error) {
      this.#onError(error, effect);
    }
  }
}
