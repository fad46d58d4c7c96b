import { lauxlib, lua, type LuaState } from 'fengari';
import { MtaKitError, POLICY_EVENTS, type Clock, type PolicyEventName } from '@mtakit/core';
import { CallBudget, type BudgetLimits, type HeapProbe } from './budget.js';
import { registerConfigTypes } from './kumo/config-objects.js';
import type { HookFrame, KumoContext, LuaLogEntry, LuaLogLevel, LuaProviders } from './kumo/context.js';
import { emptyDeclarations, type PolicyDeclarations } from './kumo/declarative.js';
import type { PolicyFiles } from './kumo/files.js';
import { registerEnvelopeTypes } from './kumo/envelope.js';
import { registerMessageType } from './kumo/message.js';
import { installKumo } from './kumo/module.js';
import { installRequire } from './kumo/require.js';
import { registerThrottleType } from './kumo/functions.js';
import { registerSignerType } from './kumo/signer.js';
import { LOAD_EVENTS, type LoadEvent } from './kumo/unsupported.js';
import { openSandbox } from './sandbox.js';
import { callerWhere, LuaPolicyError, parseLocation, registerErrorType, type LuaLocation } from './vm/errors.js';
import { LuaRunner, type Pusher } from './vm/runner.js';
import { pushValue } from './vm/values.js';

const LEVELS: readonly LuaLogLevel[] = ['debug', 'info', 'warn', 'error'];

/** One chunk to run at load: the policy file, or an included file. */
export interface PolicyChunk {
  source: Uint8Array;
  chunkName: string;
}

export interface LuaStateOptions {
  chunks: readonly PolicyChunk[];
  files: PolicyFiles;
  providers: LuaProviders;
  clock: Clock;
  /** Budget of each hook call. */
  limits: BudgetLimits;
  /** Budget of loading (main chunk, includes, pre_init and init together get this per step). */
  loadLimits: BudgetLimits;
  heap?: HeapProbe | undefined;
  maxStringBytes: number;
  allowedEnv: readonly string[];
  log: (entry: LuaLogEntry) => void;
}

/** A problem found while loading, with its place in the policy when Lua knew it. */
export interface LuaProblem {
  message: string;
  location?: LuaLocation | undefined;
}

/** Failure to load a policy; `problems` lists every problem found (unknown events, errors). */
export class LuaLoadError extends LuaPolicyError {
  readonly problems: readonly LuaProblem[];

  constructor(problems: readonly LuaProblem[], cause?: unknown) {
    const first = problems[0];
    super(problems.map((p) => p.message).join('\n'), { location: first?.location, cause });
    this.name = 'LuaLoadError';
    this.problems = problems;
  }
}

/**
 * One Lua state running one policy: the sandbox, the kumo module, the handlers the policy
 * registered and the declarations it made. Built by `LuaPolicyState.load`, which runs the policy's
 * chunks, then `pre_init` and `init`, and fails with every problem found.
 */
export class LuaPolicyState implements KumoContext {
  readonly runner: LuaRunner<HookFrame>;
  readonly files: PolicyFiles;
  readonly clock: Clock;
  readonly providers: LuaProviders;
  readonly declarations: PolicyDeclarations = emptyDeclarations();
  readonly warnings: string[] = [];
  /** Events whose result was seen to depend on the message (kumo.get_msg_metadata). */
  readonly messageDependentEvents = new Set<string>();
  #loading = true;
  #handlers = new Map<string, number[]>();
  #issues: LuaProblem[] = [];
  readonly #options: LuaStateOptions;

  private constructor(options: LuaStateOptions) {
    this.#options = options;
    this.files = options.files;
    this.clock = options.clock;
    this.providers = options.providers;
    const L = lauxlib.luaL_newstate();
    openSandbox(L, { maxStringBytes: options.maxStringBytes, allowedEnv: options.allowedEnv, print: (L1, text) => this.log({ level: 'info', message: text, location: where(L1) }) });
    registerErrorType(L);
    registerConfigTypes(L);
    registerMessageType(L);
    registerEnvelopeTypes(L);
    registerSignerType(L);
    registerThrottleType(L);
    this.runner = new LuaRunner<HookFrame>(L);
    installKumo(L, this);
    installRequire(L, this);
  }

  static async load(options: LuaStateOptions): Promise<LuaPolicyState> {
    const state = new LuaPolicyState(options);
    await state.#run();
    return state;
  }

  get loading(): boolean {
    return this.#loading;
  }

  /** Policy events with at least one handler, in core's order. */
  get events(): PolicyEventName[] {
    return POLICY_EVENTS.filter((e) => this.#handlers.has(e));
  }

  handlers(event: PolicyEventName | string): readonly number[] {
    return this.#handlers.get(event) ?? [];
  }

  register(L: LuaState, event: string): void {
    const ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    const list = this.#handlers.get(event);
    if (list) list.push(ref);
    else this.#handlers.set(event, [ref]);
  }

  issue(message: string): void {
    this.#issues.push({ message, location: parseLocation(message) });
  }

  warn(message: string): void {
    this.warnings.push(message);
    this.log({ level: 'warn', message });
  }

  #minLevel = 0;

  log(entry: LuaLogEntry): void {
    if (LEVELS.indexOf(entry.level) >= this.#minLevel) this.#options.log(entry);
  }

  setLogLevel(level: LuaLogLevel): void {
    this.#minLevel = LEVELS.indexOf(level);
  }

  spawnTask(event: string, args: unknown): void {
    const refs = this.handlers(event);
    if (refs.length === 0) throw new MtaKitError('E_POLICY', `kumo.spawn_task: no handler for '${event}' (register one with kumo.on)`);
    setImmediate(() => {
      void (async () => {
        for (const ref of refs) {
          await this.call(event, ref, (L) => (pushValue(L, args), 1), () => undefined).catch((error: Error) => {
            this.log({ level: 'error', message: `task ${event}: ${error.message}` });
          });
        }
      })();
    });
  }

  markMessageDependent(event: string): void {
    this.messageDependentEvents.add(event);
  }

  #epochBump = false;

  requestEpochBump(): void {
    this.#epochBump = true;
  }

  /** Whether kumo.bump_config_epoch was called since the last time this was asked. */
  takeEpochBump(): boolean {
    const bump = this.#epochBump;
    this.#epochBump = false;
    return bump;
  }

  /** Calls one handler under the hook budget. */
  call<T>(event: string, ref: number, args: Pusher, read: (L: LuaState, n: number) => T, frame?: Partial<HookFrame>): Promise<T> {
    return this.runner.call(ref, args, read, this.#frame(event, this.#options.limits, frame));
  }

  #frame(event: string, limits: BudgetLimits, extra: Partial<HookFrame> = {}): HookFrame {
    return { label: `${event} handler`, event, budget: new CallBudget(limits, this.clock, this.#options.heap), ...extra };
  }

  async #run(): Promise<void> {
    try {
      for (const chunk of this.#options.chunks) {
        const name = chunk.chunkName.replace(/^@/, '');
        await this.runner.runChunk(chunk.source, chunk.chunkName, this.#frame(name, this.#options.loadLimits, { label: `loading ${name}`, errorPrefix: '' }));
      }
      this.#failOnIssues();
      for (const event of LOAD_EVENTS) await this.#runLoadEvent(event);
      this.#failOnIssues();
    } catch (error) {
      if (error instanceof LuaLoadError) throw error;
      const problem = error instanceof LuaPolicyError ? { message: error.message, location: error.location } : { message: (error as Error).message };
      throw new LuaLoadError([...this.#issues, problem], error);
    } finally {
      this.#loading = false;
    }
  }

  async #runLoadEvent(event: LoadEvent): Promise<void> {
    for (const ref of this.#handlers.get(event) ?? []) {
      await this.runner.call(ref, () => 0, () => undefined, this.#frame(event, this.#options.loadLimits, { errorPrefix: `${event}: ` }));
    }
  }

  #failOnIssues(): void {
    if (this.#issues.length > 0) throw new LuaLoadError(this.#issues);
  }
}

function where(L: LuaState): string {
  return callerWhere(L).replace(/: $/, '');
}
