import { lua, type LuaState } from 'fengari';
import {
  BROADCAST_EVENTS, Message, MtaKitError, POLICY_EVENTS, type AuthInfo, type Clock, type ConnectionMeta, type Policy, type PolicyEventName,
  type PolicyEvents, type QueueConfigContext,
} from '@mtakit/core';
import { CircuitBreaker, type BreakerOptions, type BreakerState } from './breaker.js';
import { readConfigResult, type ConfigKind } from './kumo/config-objects.js';
import { ConnMetaArg, EnvelopeArg } from './kumo/envelope.js';
import type { LuaLogEntry } from './kumo/context.js';
import { pushSpecial } from './kumo/message.js';
import { readSpecial } from './kumo/module.js';
import type { LuaPolicyState } from './state.js';
import type { LuaPolicyError } from './vm/errors.js';
import { pushValue, readValue } from './vm/values.js';

/** A core Policy in which every event is defined and answers with a promise. */
export type AsyncPolicy = {
  [E in PolicyEventName]-?: (...args: Parameters<PolicyEvents[E]>) => Promise<Awaited<ReturnType<PolicyEvents[E]>>>;
};

/** Something the host reports about the policy it runs (for logs and metrics). */
export type LuaHostEvent =
  | { type: 'timeout'; event: PolicyEventName; error: MtaKitError }
  | { type: 'breaker_open'; event: PolicyEventName }
  | { type: 'breaker_closed'; event: PolicyEventName }
  | { type: 'fallback'; event: PolicyEventName }
  | { type: 'reload'; epoch: number }
  /** kumo.bump_config_epoch: configs must be asked again. */
  | { type: 'epoch'; epoch: number }
  | { type: 'reload_failed'; error: LuaPolicyError };

/** Counters per event. */
export interface LuaEventStats {
  calls: number;
  errors: number;
  timeouts: number;
  fallbacks: number;
  breakerOpens: number;
}

export interface DispatchOptions {
  /** Used for an event while its breaker is open. */
  fallback: Policy;
  breaker: BreakerOptions;
  clock: Clock;
  onEvent: (event: LuaHostEvent) => void;
  log: (entry: LuaLogEntry) => void;
  /** The policy called kumo.bump_config_epoch. */
  bumpEpoch: () => void;
}

type Handler = (...args: unknown[]) => Promise<unknown>;
type Reader = (L: LuaState, n: number) => unknown;

const CONFIG_RESULTS: Partial<Record<PolicyEventName, ConfigKind>> = {
  get_queue_config: 'queue',
  get_egress_path_config: 'egress_path',
  get_egress_source: 'egress_source',
  get_egress_pool: 'egress_pool',
  get_listener_domain: 'listener_domain',
};

function readAuth(L: LuaState, n: number): boolean | AuthInfo | undefined {
  const v = n === 0 ? undefined : readValue(L, 1, { special: readSpecial }, 'result');
  if (v === undefined || typeof v === 'boolean') return v;
  if (v !== null && typeof v === 'object' && typeof (v as AuthInfo).identity === 'string') {
    const { identity, tenant } = v as AuthInfo;
    return tenant === undefined ? { identity } : { identity, tenant: String(tenant) };
  }
  throw new MtaKitError('E_POLICY', 'must return true, false, nil or { identity = ..., tenant = ... }');
}

function readNumber(L: LuaState, n: number): number | undefined {
  if (n === 0 || lua.lua_isnoneornil(L, 1)) return undefined;
  const v = readValue(L, 1);
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new MtaKitError('E_POLICY', 'must return an SMTP reply code or nil');
  return v;
}

function readBoolean(L: LuaState, n: number): boolean | undefined {
  return n === 0 || lua.lua_isnoneornil(L, 1) ? undefined : lua.lua_toboolean(L, 1);
}

/** How each event's result comes back from Lua. */
function readerFor(event: PolicyEventName): Reader {
  const kind = CONFIG_RESULTS[event];
  if (kind) return (L, n) => (n === 0 ? undefined : readConfigResult(L, 1, kind));
  switch (event) {
    case 'smtp_server_auth_plain':
    case 'http_server_validate_auth_basic':
      return readAuth;
    case 'smtp_client_rewrite_delivery_status':
      return readNumber;
    case 'should_enqueue_log_record':
      return readBoolean;
    default:
      return () => undefined;
  }
}

const ENVELOPE_EVENTS: ReadonlySet<PolicyEventName> = new Set(['smtp_server_mail_from', 'smtp_server_rcpt_to']);
const CONN_EVENTS: ReadonlySet<PolicyEventName> = new Set([
  'smtp_server_connection_accepted', 'smtp_server_greet_pause', 'smtp_server_ehlo', 'smtp_server_auth_plain', 'smtp_server_mail_from',
  'smtp_server_rcpt_to', 'get_listener_domain', 'smtp_server_message_received',
]);

/**
 * The arguments Lua sees, as KumoMTA passes them: the MAIL FROM / RCPT TO address is an envelope
 * object, connection meta answers `conn:get_meta`, and get_queue_config's fifth (context)
 * argument stays on the JS side.
 */
function luaArgs(event: PolicyEventName, args: unknown[]): unknown[] {
  if (event === 'get_queue_config') return args.slice(0, 4);
  return args.map((arg, i) => {
    if (i === 0 && ENVELOPE_EVENTS.has(event) && typeof arg === 'string') return new EnvelopeArg(arg);
    if (CONN_EVENTS.has(event) && arg !== null && typeof arg === 'object' && !(arg instanceof Message) && !Array.isArray(arg)) {
      return new ConnMetaArg(arg as ConnectionMeta);
    }
    return arg;
  });
}

/** The message a call is about, for kumo.get_msg_metadata. */
function messageOf(event: PolicyEventName, args: unknown[]): Message | undefined {
  if (event === 'get_queue_config') return (args[4] as QueueConfigContext | undefined)?.message;
  return args[0] instanceof Message ? args[0] : undefined;
}

function isTimeout(error: unknown): error is MtaKitError {
  return error instanceof MtaKitError && error.code === 'E_POLICY_TIMEOUT';
}

/**
 * Turns the handlers of the current Lua state into a core Policy that stays the same object
 * across reloads. Every event is defined; an event the policy does not handle answers undefined
 * (core's "defer to the next policy or the default"). Broadcast events run every handler; the others
 * stop at the first non-nil result. Budget overruns fail the call and feed a per-event circuit
 * breaker; while it is open the fallback policy answers.
 */
export class PolicyDispatcher {
  readonly policy: AsyncPolicy;
  #breakers = new Map<PolicyEventName, CircuitBreaker>();
  #stats = new Map<PolicyEventName, LuaEventStats>();

  constructor(
    private readonly current: () => LuaPolicyState,
    private readonly options: DispatchOptions,
  ) {
    const policy: Record<string, Handler> = {};
    for (const event of POLICY_EVENTS) policy[event] = (...args) => this.#dispatch(event, args);
    this.policy = policy as AsyncPolicy;
  }

  breakerState(event: PolicyEventName): BreakerState {
    return this.#breakers.get(event)?.state ?? 'closed';
  }

  stats(): Partial<Record<PolicyEventName, LuaEventStats>> {
    return Object.fromEntries([...this.#stats].map(([k, v]) => [k, { ...v }]));
  }

  /** Closes every breaker (a new policy deserves a fresh start). */
  resetBreakers(): void {
    this.#breakers.clear();
  }

  async #dispatch(event: PolicyEventName, args: unknown[]): Promise<unknown> {
    const state = this.current();
    const refs = state.handlers(event);
    if (refs.length === 0) return undefined;
    const stats = this.#statsFor(event);
    const breaker = this.#breakerFor(event);
    if (!breaker.allow()) {
      stats.fallbacks++;
      this.options.onEvent({ type: 'fallback', event });
      const fallback = this.options.fallback[event] as Handler | undefined;
      return fallback ? fallback(...args) : undefined;
    }
    stats.calls++;
    try {
      const result = await this.#runHandlers(state, event, refs, args).finally(() => {
        if (state.takeEpochBump()) this.options.bumpEpoch();
      });
      if (breaker.recordSuccess() === 'closed') this.#report(event, 'breaker_closed', `${event}: Lua handlers are back in use`);
      return result;
    } catch (error) {
      if (isTimeout(error)) {
        stats.timeouts++;
        this.options.onEvent({ type: 'timeout', event, error });
        if (breaker.recordOverrun() === 'opened') {
          stats.breakerOpens++;
          this.#report(event, 'breaker_open', `${event}: repeated budget overruns, the fallback policy answers until the breaker closes`);
        }
      } else if (!(error instanceof MtaKitError && error.code === 'E_SMTP_REPLY')) {
        stats.errors++;
      }
      throw error;
    }
  }

  async #runHandlers(state: LuaPolicyState, event: PolicyEventName, refs: readonly number[], args: unknown[]): Promise<unknown> {
    const pushed = luaArgs(event, args);
    const push = (L: LuaState): number => {
      lua.lua_checkstack(L, pushed.length + 1);
      for (const arg of pushed) pushValue(L, arg, pushSpecial);
      return pushed.length;
    };
    const read = readerFor(event);
    const frame = { message: messageOf(event, args) };
    const broadcast = BROADCAST_EVENTS.has(event);
    for (const ref of refs) {
      const result = await state.call(event, ref, push, read, frame);
      if (!broadcast && result !== undefined) return result;
    }
    return undefined;
  }

  #report(event: PolicyEventName, type: 'breaker_open' | 'breaker_closed', message: string): void {
    this.options.onEvent({ type, event });
    this.options.log({ level: type === 'breaker_open' ? 'error' : 'info', message });
  }

  #breakerFor(event: PolicyEventName): CircuitBreaker {
    let breaker = this.#breakers.get(event);
    if (!breaker) {
      breaker = new CircuitBreaker(this.options.breaker, this.options.clock);
      this.#breakers.set(event, breaker);
    }
    return breaker;
  }

  #statsFor(event: PolicyEventName): LuaEventStats {
    let stats = this.#stats.get(event);
    if (!stats) {
      stats = { calls: 0, errors: 0, timeouts: 0, fallbacks: 0, breakerOpens: 0 };
      this.#stats.set(event, stats);
    }
    return stats;
  }
}
