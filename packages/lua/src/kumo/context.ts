import type { LuaState } from 'fengari';
import type { Clock, Message, PolicyEventName, ShapingRulesLoader } from '@mtakit/core';
import type { CallFrame, LuaRunner } from '../vm/runner.js';
import type { PolicyDeclarations } from './declarative.js';
import type { PolicyFiles } from './files.js';

/** Implementations of core interfaces the host lends to policy-extras modules. */
export interface LuaProviders {
  /** Backs `require 'policy-extras.shaping'` (the shaping package's loader, in the example MTA). */
  shapingRules?: ShapingRulesLoader;
}

/** A hook call in progress; `message` is what `kumo.get_msg_metadata` reads. */
export interface HookFrame extends CallFrame {
  readonly event: string;
  readonly message?: Message | undefined;
}

export type LuaLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A line logged by a policy (`kumo.log_*`, `print`) or by the host about the policy. */
export interface LuaLogEntry {
  level: LuaLogLevel;
  message: string;
  /** `file:line` of the Lua code that logged, when known. */
  location?: string;
}

/** What the kumo module and the policy-extras modules need from the state they live in. */
export interface KumoContext {
  readonly runner: LuaRunner<HookFrame>;
  readonly files: PolicyFiles;
  readonly clock: Clock;
  readonly providers: LuaProviders;
  readonly declarations: PolicyDeclarations;
  /** True while the main chunk, pre_init and init run. */
  readonly loading: boolean;
  /** Registers the function on top of L's stack as a handler of `event` (pops it). */
  register(L: LuaState, event: string): void;
  /** Records a problem that fails the load once the whole file has run (so all are reported). */
  issue(message: string): void;
  /** Records a warning shown by checkPolicy and the host's log. */
  warn(message: string): void;
  log(entry: LuaLogEntry): void;
  /** Notes that an event's result depends on the message, not only its arguments (no caching). */
  markMessageDependent(event: string): void;
  /** Registry references of the handlers of `event`, in registration order. */
  handlers(event: PolicyEventName | string): readonly number[];
  /** kumo.bump_config_epoch: the host bumps its config epoch when the current call returns. */
  requestEpochBump(): void;
  /** kumo.spawn_task: runs the handlers of a policy's own event soon, each call under its own budget. */
  spawnTask(event: string, args: unknown): void;
  /** kumo.set_diagnostic_log_filter: entries below this level are dropped. */
  setLogLevel(level: LuaLogLevel): void;
}
