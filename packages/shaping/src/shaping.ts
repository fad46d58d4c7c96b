import {
  systemClock, type Clock, type EgressPathConfigInput, type LogRecord, type PathLimits, type Policy,
} from '@mtakit/core';
import { MxResolver } from '@mtakit/core/dns';
import { TrafficShapingAutomation, type AutomationActions } from './automation/automation.js';
import type { AutomationEffect } from './automation/effects.js';
import { limitStates, type LimitState } from './inspect.js';
import { loadShapingRules, type ShapingSource } from './rules/loader.js';
import type { RouteResolver, ShapingRuleSet, ValueSource } from './rules/rule-set.js';
import { StoreShaper } from './shaper.js';
import { MemoryShapingStore } from './stores/memory.js';
import type { ShapingStore } from './stores/store.js';
import { Warmup, type WarmupPlan, type WarmupSnapshot, type WarmupStatus } from './warmup.js';

export interface CreateShapingOptions {
  /** Shaping files (TOML/JSON) or in-memory documents, merged in order after the built-in rules. */
  files?: readonly ShapingSource[];
  /** Skip mtakit's built-in rules (KumoMTA's `no_default_files`). Default false. */
  noDefaultFiles?: boolean;
  /** MX resolution for rollup blocks and provider matching. Default: core's `MxResolver` on system DNS. */
  resolver?: RouteResolver;
  /** Where throttles, leases and automation/warm-up state live. Default: a `MemoryShapingStore`. */
  store?: ShapingStore;
  /** State file of the default memory store (automation effects and warm-up survive restarts). */
  stateFile?: string;
  /** Receives suspensions, bounces and config changes from automation. */
  actions?: AutomationActions;
  /** Warm-up plans (applied as `source_selection_rate`). Default none. */
  warmup?: readonly WarmupPlan[];
  /** Connection lease lifetime. Default 60 s. */
  leaseTtlMs?: number;
  /** How often to pick up other nodes' effects, expire overrides and save warm-up state. Default 5 s; 0 = never (call `sync()`). */
  syncIntervalMs?: number;
  clock?: Clock;
}

/** Everything about one path, for `/api/admin/resolve-egress-path/v1`. */
export interface PathInspection {
  readonly domain: string;
  readonly source: string;
  readonly siteName: string;
  /** The effective config (rules, then automation overrides, then warm-up), as the hook returns it. */
  readonly config: EgressPathConfigInput | undefined;
  /** The file, block and merge step behind each value. */
  readonly sources: Readonly<Record<string, ValueSource>>;
  readonly providers: readonly string[];
  /** Active automation effects touching this domain, source and site, with their expiry. */
  readonly effects: readonly AutomationEffect[];
  readonly warmup: WarmupStatus | undefined;
}

/** Shaping assembled: what an MTA wires into its queue, policy and log bus. */
export interface Shaping {
  /** Core's `Shaper` for the queue's dispatchers. */
  readonly shaper: StoreShaper;
  /** The rules in force (replaced by `reload`). */
  readonly rules: ShapingRuleSet;
  readonly automation: TrafficShapingAutomation;
  readonly warmup: Warmup;
  /** A policy fragment answering `get_egress_path_config` from the rules, automation and warm-up. */
  readonly policy: Required<Pick<Policy, 'get_egress_path_config'>>;
  /** Feed every log record here (a core `LogConsumer`): automation and warm-up learn from it. */
  consume(record: LogRecord): Promise<void>;
  /** The effective path config (what `policy.get_egress_path_config` returns). */
  egressPathConfig(domain: string, source: string, siteName: string): Promise<EgressPathConfigInput | undefined>;
  /** Config, provenance, effects and warm-up of one path; `siteName` defaults to the domain's site from DNS. */
  inspect(query: { domain: string; source: string; siteName?: string }): Promise<PathInspection>;
  /** Live leases and buckets of limits named by core's `pathLimits` / `queueLimits`, read without consuming. */
  limitStates(limits: Partial<PathLimits>): Promise<LimitState[]>;
  /**
   * Loads the rules again from `files` (default: the `files` given at creation, read anew) and
   * puts them in force for new path configs and automation matches. Throws a ConfigError and
   * keeps the rules in force when they do not load. Active automation effects stay.
   */
  reload(files?: readonly ShapingSource[]): Promise<ShapingRuleSet>;
  /** See `syncIntervalMs`. */
  sync(): Promise<void>;
  /** Stops the timer, saves warm-up state and closes the store. */
  close(): Promise<void>;
}

const WARMUP_DOCUMENT = 'warmup';

/**
 * Loads the rules, opens the store and wires automation and warm-up together. Restores state
 * (effects are handed to `actions` again, so suspensions outlive a restart).
 */
export async function createShaping(options: CreateShapingOptions = {}): Promise<Shaping> {
  const clock = options.clock ?? systemClock;
  const resolver = options.resolver ?? new MxResolver();
  const load = (files: readonly ShapingSource[]) => loadShapingRules(files, { resolver, noDefaultFiles: options.noDefaultFiles ?? false });
  let rules = await load(options.files ?? []);
  const store = options.store ?? (await MemoryShapingStore.open({ clock, ...(options.stateFile ? { stateFile: options.stateFile } : {}) }));
  const shaper = new StoreShaper({ store, clock, ...(options.leaseTtlMs ? { leaseTtlMs: options.leaseTtlMs } : {}) });
  const automation = new TrafficShapingAutomation({ rules, store, clock, ...(options.actions ? { actions: options.actions } : {}) });
  const snapshot = (await store.getDocument(WARMUP_DOCUMENT)) as WarmupSnapshot | undefined;
  const warmup = new Warmup(options.warmup ?? [], { clock, ...(snapshot ? { snapshot } : {}) });
  let savedWarmup = warmup.version;

  const resolvePath = async (domain: string, source: string, siteName: string) => {
    const resolved = await rules.resolve(domain, source, siteName, automation.configOverrides(domain, source, siteName));
    const rate = warmup.selectionRate(source, siteName);
    if (rate === undefined) return resolved;
    const origin: ValueSource = { file: 'warm-up plan', block: `source ${source}`, step: 'warmup' };
    return { ...resolved, config: { ...resolved.config, source_selection_rate: rate }, sources: { ...resolved.sources, source_selection_rate: origin } };
  };

  const sync = async () => {
    await automation.sync();
    if (warmup.version !== savedWarmup) {
      savedWarmup = warmup.version;
      await store.putDocument(WARMUP_DOCUMENT, warmup.snapshot());
    }
  };
  await automation.sync();
  const interval = options.syncIntervalMs ?? 5000;
  const timer = interval > 0 ? setInterval(() => void sync().catch((e: unknown) => process.emitWarning(`shaping sync failed: ${String(e)}`)), interval) : undefined;
  timer?.unref();

  const egressPathConfig = async (domain: string, source: string, siteName: string) => (await resolvePath(domain, source, siteName)).config;
  return {
    shaper,
    get rules() {
      return rules;
    },
    automation,
    warmup,
    policy: { get_egress_path_config: egressPathConfig },
    egressPathConfig,
    async consume(record) {
      warmup.consume(record);
      await automation.consume(record);
    },
    async inspect({ domain, source, siteName }) {
      const site = siteName ?? (await resolver.route(domain)).siteName;
      const resolved = await resolvePath(domain, source, site);
      const name = domain.toLowerCase();
      const effects = automation.activeEffects().filter((e) => {
        if (e.kind === 'config') return e.source === source && (e.scope === 'site' ? e.siteName === site : e.domain === name);
        if (e.kind === 'suspend-ready-queue') return e.source === source && e.siteName === site;
        return e.domain === name;
      });
      return { domain: name, source, siteName: site, ...resolved, effects, warmup: warmup.statusFor(source, site) };
    },
    limitStates: (limits) => limitStates(shaper, limits),
    async reload(files = options.files ?? []) {
      const next = await load(files);
      rules = next;
      automation.setRules(next);
      return next;
    },
    sync,
    async close() {
      if (timer) clearInterval(timer);
      try {
        await sync();
      } finally {
        // An unreachable store must not keep its connection (and the process) alive.
        await store.close();
      }
    },
  };
}
