import { readFileSync, watch as watchDir, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { systemClock, type Clock, type Policy, type PolicyEventName } from '@mtakit/core';
import type { BreakerOptions, BreakerState } from './breaker.js';
import type { HeapProbe } from './budget.js';
import type { LuaLogEntry, LuaProviders } from './kumo/context.js';
import type { PolicyDeclarations } from './kumo/declarative.js';
import { PolicyFiles } from './kumo/files.js';
import { PolicyDispatcher, type AsyncPolicy, type LuaEventStats, type LuaHostEvent } from './policy.js';
import { LuaLoadError, LuaPolicyState, type PolicyChunk } from './state.js';
import { LuaPolicyError } from './vm/errors.js';

export interface LoadLuaPolicyOptions {
  /** The policy file (`init.lua`). Give either `file` or `source`. */
  file?: string;
  /** The policy's text, for policies that do not live in a file. */
  source?: string;
  /** Name used in errors for `source`. Default `policy.lua`. */
  name?: string;
  /** More Lua files run after the policy, in the same state (e.g. sources and pools kept apart). */
  include?: readonly string[];
  /** Core interfaces lent to policy-extras modules (the shaping rules loader). */
  providers?: LuaProviders;
  /** Time budget of each hook call, in ms. Default 50. */
  budgetMs?: number;
  /** Lua instructions per hook call. Default: no cap (the time budget applies). */
  maxInstructions?: number;
  /** Net JS heap growth allowed during one hook call, in bytes. Default 64 MiB. */
  memoryLimitBytes?: number;
  /** Time budget of each load step (each chunk, pre_init, init), in ms. Default 5 000. */
  loadBudgetMs?: number;
  /** Largest string `string.rep` may build. Default 16 MiB. */
  maxStringBytes?: number;
  /**
   * Directories the policy may read (toml_load, json_load, require, shaping files, DKIM keys).
   * Default: the policy file's directory (none for `source`).
   */
  allowedDirs?: readonly string[];
  /**
   * Path prefixes to rewrite in every file name the policy uses, to the directory each stands for
   * here, e.g. `{ '/opt/kumomta/etc/policy': './policy' }` so KumoMTA policies run unchanged. The
   * directories are allowed. Relative targets are relative to the policy's directory.
   */
  pathMap?: Readonly<Record<string, string>>;
  /**
   * Environment variables `os.getenv` may read (by name); any other name raises an error naming
   * this setting. Default none.
   */
  allowedEnv?: readonly string[];
  /** Answers an event while its breaker is open. Default `{}` (mtakit's defaults). */
  fallback?: Policy;
  breaker?: BreakerOptions;
  clock?: Clock;
  /** Receives `kumo.log_*`, `print` and the host's own messages. Default: the console. */
  logger?: (entry: LuaLogEntry) => void;
  /** Receives timeouts, breaker changes, fallbacks and reloads (for metrics). */
  onEvent?: (event: LuaHostEvent) => void;
  /** For tests: how heap use is measured. */
  heapProbe?: HeapProbe;
}

/** What a loaded policy defines. */
export interface LuaPolicyDefinitions extends PolicyDeclarations {
  /** Policy events the policy handles. */
  events: PolicyEventName[];
  warnings: string[];
  /** Every file the policy read (its own files, modules, data files): what `watch` watches. */
  files: string[];
}

export type ReloadResult = { ok: true; epoch: number } | { ok: false; error: LuaPolicyError };

const MiB = 1024 * 1024;

function consoleLogger(entry: LuaLogEntry): void {
  const line = `[lua ${entry.level}]${entry.location ? ` ${entry.location}:` : ''} ${entry.message}`;
  if (entry.level === 'error' || entry.level === 'warn') console.error(line);
  else console.log(line);
}

/**
 * A Lua policy, loaded and kept current. `policy` is a core Policy (the same object for the host's
 * whole life); `reload()` builds a fresh Lua state and swaps it in only if it loads, bumping
 * `epoch` so config caches know to refresh.
 */
export class LuaPolicyHost {
  readonly #options: LoadLuaPolicyOptions;
  readonly #dispatcher: PolicyDispatcher;
  #state: LuaPolicyState;
  #epoch = 1;
  #reloading: Promise<ReloadResult> | undefined;
  #watchers: FSWatcher[] = [];
  #watchTimer: NodeJS.Timeout | undefined;
  #debounceMs = 200;

  private constructor(options: LoadLuaPolicyOptions, state: LuaPolicyState) {
    this.#options = { ...options };
    this.#state = state;
    this.#dispatcher = new PolicyDispatcher(() => this.#state, {
      fallback: options.fallback ?? {},
      breaker: options.breaker ?? {},
      clock: options.clock ?? systemClock,
      onEvent: (e) => options.onEvent?.(e),
      log: (e) => this.#log(e),
      bumpEpoch: () => {
        this.#epoch++;
        options.onEvent?.({ type: 'epoch', epoch: this.#epoch });
      },
    });
  }

  /** Loads a policy; rejects with a LuaLoadError (every problem, with file:line) if it does not load. */
  static async load(options: LoadLuaPolicyOptions): Promise<LuaPolicyHost> {
    return new LuaPolicyHost(options, await buildState(options));
  }

  get policy(): AsyncPolicy {
    return this.#dispatcher.policy;
  }

  /** Bumped by every successful reload; compare with a cached value to know configs are stale. */
  get epoch(): number {
    return this.#epoch;
  }

  get definitions(): LuaPolicyDefinitions {
    const s = this.#state;
    return { ...s.declarations, events: s.events, warnings: [...s.warnings], files: [...s.files.filesRead] };
  }

  /**
   * Events whose result was seen to depend on the message being handled (through
   * `kumo.get_msg_metadata`), so caching them per queue would be wrong.
   */
  get messageDependentEvents(): ReadonlySet<string> {
    return this.#state.messageDependentEvents;
  }

  stats(): Partial<Record<PolicyEventName, LuaEventStats>> {
    return this.#dispatcher.stats();
  }

  breakerState(event: PolicyEventName): BreakerState {
    return this.#dispatcher.breakerState(event);
  }

  /**
   * Builds a new state from the files (or from `source`, for source policies) and runs its init.
   * On success it replaces the running one and the epoch is bumped; on failure the running policy
   * stays and the error (with file:line) is returned. Concurrent calls share one reload.
   */
  reload(update: { source?: string } = {}): Promise<ReloadResult> {
    this.#reloading ??= this.#reload(update).finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  async #reload(update: { source?: string }): Promise<ReloadResult> {
    const options = update.source === undefined ? this.#options : { ...this.#options, source: update.source };
    try {
      const state = await buildState(options);
      if (update.source !== undefined) this.#options.source = update.source;
      this.#state = state;
      this.#epoch++;
      this.#dispatcher.resetBreakers();
      this.#options.onEvent?.({ type: 'reload', epoch: this.#epoch });
      this.#log({ level: 'info', message: `policy reloaded (config epoch ${this.#epoch})` });
      if (this.#watchers.length > 0) this.#rewatch();
      return { ok: true, epoch: this.#epoch };
    } catch (error) {
      const failure = error instanceof LuaPolicyError ? error : new LuaPolicyError((error as Error).message, { cause: error });
      this.#options.onEvent?.({ type: 'reload_failed', error: failure });
      this.#log({ level: 'error', message: `policy not reloaded, the running one stays: ${failure.message}` });
      return { ok: false, error: failure };
    }
  }

  /**
   * Reloads when any file the policy read changes (debounced). Returns a function that stops
   * watching. Directories are watched, not files, so editors that replace files are seen.
   */
  watch(options: { debounceMs?: number } = {}): () => void {
    this.#debounceMs = options.debounceMs ?? 200;
    this.#rewatch();
    return () => this.close();
  }

  #rewatch(): void {
    this.#unwatch();
    const byDir = new Map<string, Set<string>>();
    for (const file of this.definitions.files) {
      const names = byDir.get(dirname(file)) ?? new Set<string>();
      names.add(basename(file));
      byDir.set(dirname(file), names);
    }
    for (const [dir, names] of byDir) {
      const watcher = watchDir(dir, (_event, name) => {
        if (name !== null && names.has(name.toString())) this.#schedule();
      });
      watcher.on('error', () => undefined);
      this.#watchers.push(watcher);
    }
  }

  #schedule(): void {
    clearTimeout(this.#watchTimer);
    this.#watchTimer = setTimeout(() => void this.reload(), this.#debounceMs);
    this.#watchTimer.unref();
  }

  #unwatch(): void {
    for (const w of this.#watchers) w.close();
    this.#watchers = [];
  }

  /** Stops watching. The policy keeps working. */
  close(): void {
    clearTimeout(this.#watchTimer);
    this.#unwatch();
  }

  #log(entry: LuaLogEntry): void {
    (this.#options.logger ?? consoleLogger)(entry);
  }
}

/** Builds and loads a fresh state from the options. */
async function buildState(options: LoadLuaPolicyOptions): Promise<LuaPolicyState> {
  if ((options.file === undefined) === (options.source === undefined)) {
    throw new LuaLoadError([{ message: 'give exactly one of file or source' }]);
  }
  const file = options.file === undefined ? undefined : resolve(options.file);
  const baseDir = file ? dirname(file) : process.cwd();
  const files = new PolicyFiles(baseDir, options.allowedDirs ?? (file ? [baseDir] : []), options.pathMap);
  const chunks: PolicyChunk[] = [];
  try {
    if (file) {
      files.remember(file);
      chunks.push({ source: readFileSync(file), chunkName: files.chunkName(file) });
    } else {
      chunks.push({ source: Buffer.from(options.source as string), chunkName: `@${options.name ?? 'policy.lua'}` });
    }
    for (const include of options.include ?? []) {
      const path = resolve(baseDir, include);
      files.remember(path);
      chunks.push({ source: readFileSync(path), chunkName: files.chunkName(path) });
    }
  } catch (error) {
    throw new LuaLoadError([{ message: (error as Error).message }], error);
  }
  const budget = { maxInstructions: options.maxInstructions, memoryLimitBytes: options.memoryLimitBytes ?? 64 * MiB };
  return LuaPolicyState.load({
    chunks,
    files,
    providers: options.providers ?? {},
    clock: options.clock ?? systemClock,
    limits: { budgetMs: options.budgetMs ?? 50, ...budget },
    loadLimits: { budgetMs: options.loadBudgetMs ?? 5_000, ...budget },
    heap: options.heapProbe,
    maxStringBytes: options.maxStringBytes ?? 16 * MiB,
    allowedEnv: options.allowedEnv ?? [],
    log: options.logger ?? consoleLogger,
  });
}

/** Loads a Lua policy (see LoadLuaPolicyOptions) and returns its host. */
export function loadLuaPolicy(options: LoadLuaPolicyOptions): Promise<LuaPolicyHost> {
  return LuaPolicyHost.load(options);
}
