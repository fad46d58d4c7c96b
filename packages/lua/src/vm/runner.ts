import { lauxlib, lua, type LuaKFunction, type LuaState } from 'fengari';
import { MtaKitError } from '@mtakit/core';
import { describeOverrun, type CallBudget, type Overrun } from '../budget.js';
import { callerWhere, LuaPolicyError, parseLocation, raise, readError, throwPastHandler } from './errors.js';
import { meterStringAllocations, runMetered, type Meter } from './meter.js';
import { readString } from './values.js';

/** Pushes values onto a Lua stack and returns how many it pushed. */
export type Pusher = (L: LuaState) => number;

/** One hook call (or chunk run) in progress. */
export interface CallFrame {
  /** Names the call in errors, e.g. `get_queue_config handler`. */
  readonly label: string;
  /** Put before error messages. Default `${label}: `; load steps use '' (the file:line says it all). */
  readonly errorPrefix?: string;
  readonly budget: CallBudget;
}

/** Lua VM instructions between two budget checks. */
export const HOOK_INTERVAL = 1000;
/**
 * Once a call holds this many bytes of strings, its budget is checked at every instruction:
 * single instructions on long strings (==, <, table keys) are byte loops inside fengari that no
 * hook can interrupt, so fewer of them may run between two checks.
 */
const FINE_AT = 1024 * 1024;
const FINE_INTERVAL = 1;
const MAX_IDLE_THREADS = 16;

/** A host operation a JS function is waiting for; yielded to the runner, which awaits it. */
class PendingOp {
  constructor(readonly promise: Promise<Pusher>) {}
}
const FAILED = Symbol('async operation failed');

/** Threads created by runners: only they may yield a PendingOp. */
const runnerThreads = new WeakSet<LuaState>();

/**
 * Runs Lua functions as coroutines so that JS functions may wait for host I/O (a provider's
 * promise) without blocking: the function yields, the runner awaits, then resumes it with the
 * result. Every call runs under a budget enforced by a count hook; only one slice of Lua runs at a
 * time (JS is single-threaded), so `current` is always the call whose code is executing.
 */
export class LuaRunner<F extends CallFrame = CallFrame> {
  readonly L: LuaState;
  #idle: LuaState[] = [];
  #current: F | undefined;
  /** Hook intervals other than HOOK_INTERVAL, per thread. */
  readonly #intervals = new WeakMap<LuaState, number>();

  constructor(L: LuaState) {
    this.L = L;
    meterStringAllocations();
    // Threads inherit the hook of the thread that creates them, user coroutines included.
    lua.lua_sethook(L, this.#hook, lua.LUA_MASKCOUNT, HOOK_INTERVAL);
  }

  /** The call whose Lua code is running right now (for JS functions that need its context). */
  get current(): F | undefined {
    return this.#current;
  }

  /** Calls the function referenced by `fnRef` with the pushed arguments; `read` converts the results. */
  async call<T>(fnRef: number, args: Pusher, read: (L: LuaState, n: number) => T, frame: F): Promise<T> {
    const co = this.#acquire();
    lua.lua_rawgeti(co, lua.LUA_REGISTRYINDEX, fnRef);
    return this.#run(co, args(co), read, frame);
  }

  /** Compiles and runs a chunk (text only: binary chunks are refused). */
  async runChunk(source: Uint8Array, chunkName: string, frame: F): Promise<void> {
    const co = this.#acquire();
    if (lauxlib.luaL_loadbufferx(co, source, source.length, chunkName, 't') !== lua.LUA_OK) {
      const message = readString(co, -1);
      throw new LuaPolicyError(message, { location: parseLocation(message) });
    }
    await this.#run(co, 0, () => undefined, frame);
  }

  async #run<T>(co: LuaState, nargs: number, read: (L: LuaState, n: number) => T, frame: F): Promise<T> {
    for (;;) {
      const status = this.#slice(co, nargs, frame);
      if (status === lua.LUA_OK) {
        try {
          return read(co, lua.lua_gettop(co));
        } catch (error) {
          const code = error instanceof MtaKitError ? error.code : 'E_POLICY';
          throw new LuaPolicyError(`${frame.errorPrefix ?? `${frame.label}: `}${(error as Error).message}`, { code, cause: error });
        } finally {
          this.#release(co);
        }
      }
      if (status !== lua.LUA_YIELD) throw this.#failure(co, frame);
      const op = lua.lua_touserdata(co, -1);
      lua.lua_pop(co, 1);
      if (!(op instanceof PendingOp)) {
        throw new LuaPolicyError(`${frame.label}: coroutine.yield was called outside a coroutine`);
      }
      nargs = await settle(co, op.promise);
    }
  }

  #slice(co: LuaState, nargs: number, frame: F): number {
    const previous = this.#current;
    this.#current = frame;
    frame.budget.resume();
    try {
      return runMetered(this.#meter(frame), () => lua.lua_resume(co, null, nargs));
    } finally {
      frame.budget.pause();
      this.#current = previous;
    }
  }

  #failure(co: LuaState, frame: F): Error {
lua.lua_checkstack(co, 4); // a dead thread's frame may have no free slots left
    const { error, message } = readError(co, -1);
    if (error instanceof MtaKitError && !(error instanceof LuaPolicyError) && error.code !== 'E_POLICY_TIMEOUT') return error;
    lauxlib.luaL_traceback(this.L, co, null, 0);
    const traceback = readString(this.L, -1);
    lua.lua_pop(this.L, 1);
    const text = error?.message ?? message;
    const timeout = error instanceof MtaKitError && error.code === 'E_POLICY_TIMEOUT';
    return new LuaPolicyError(timeout ? text : `${frame.errorPrefix ?? `${frame.label}: `}${text}`, {
      code: error instanceof MtaKitError ? error.code : 'E_POLICY',
      location: error instanceof LuaPolicyError ? error.location : parseLocation(text),
      traceback,
      cause: error,
    });
  }

  #acquire(): LuaState {
    const idle = this.#idle.pop();
    if (idle) return idle;
    const co = lua.lua_newthread(this.L);
    lua.lua_pop(this.L, 1); // the JS reference keeps it alive: fengari has no Lua-side GC
    runnerThreads.add(co);
    return co;
  }

  #release(co: LuaState): void {
    lua.lua_settop(co, 0);
    this.#setHook(co, HOOK_INTERVAL); // the next call starts with the usual checks
    if (this.#idle.length < MAX_IDLE_THREADS) this.#idle.push(co);
  }

  /** Charges a slice's work done inside single instructions (patterns, strings) to its budget. */
  #meter(frame: F): Meter {
    let fine = false;
    return {
      steps: (L, n) => {
        const overrun = frame.budget.tick(n);
        if (overrun) throw this.#overrun(L, frame, overrun);
      },
      bytes: (L, n) => {
        const overrun = frame.budget.allocate(n);
        if (overrun) return this.#overrun(L, frame, overrun);
        if (!fine && frame.budget.stringBytes >= FINE_AT) {
          fine = true;
          this.#setHook(L, FINE_INTERVAL);
        }
        return undefined;
      },
    };
  }

  /** The error of an overrun; from now on every instruction of L fails, so pcall cannot swallow it. */
  #overrun(L: LuaState, frame: F, overrun: Overrun): MtaKitError {
    this.#setHook(L, 1);
    const at = runMetered(undefined, () => where(L)); // its string must not be charged again
    return new MtaKitError('E_POLICY_TIMEOUT', `${frame.label} ${describeOverrun(overrun)}${at}`);
  }

  /** Checks L's budget every `interval` instructions (remembered: the hook counts them). */
  #setHook(L: LuaState, interval: number): void {
    if ((this.#intervals.get(L) ?? HOOK_INTERVAL) === interval) return;
    if (interval === HOOK_INTERVAL) this.#intervals.delete(L);
    else this.#intervals.set(L, interval);
    lua.lua_sethook(L, this.#hook, lua.LUA_MASKCOUNT, interval);
  }

  #hook = (L: LuaState): void => {
    const frame = this.#current;
    if (!frame) return;
    const overrun = frame.budget.tick(this.#intervals.get(L) ?? HOOK_INTERVAL);
    if (overrun) throwPastHandler(L, this.#overrun(L, frame, overrun));
  };
}

function where(L: LuaState): string {
  const at = callerWhere(L, 0).replace(/: $/, '');
  return at ? ` (at ${at})` : '';
}

async function settle(co: LuaState, promise: Promise<Pusher>): Promise<number> {
  try {
    const push = await promise;
    return push(co);
  } catch (error) {
    lua.lua_pushlightuserdata(co, FAILED);
    lua.lua_pushlightuserdata(co, error instanceof Error ? error : new MtaKitError('E_POLICY', String(error)));
    return 2;
  }
}

/** Continuation of a JS function that waited: returns the results, or raises the failure. */
const afterAwait: LuaKFunction = (L, _status, base) => {
  const top = lua.lua_gettop(L);
  if (top >= base + 2 && lua.lua_touserdata(L, base + 1) === FAILED) {
    return raise(L, lua.lua_touserdata(L, base + 2));
  }
  return top - base;
};

/**
 * From a JS function called by Lua: suspends the calling Lua code until `promise` settles, then
 * returns what its pusher pushes (or raises its error) as the function's results.
 */
export function awaitPromise(L: LuaState, name: string, promise: Promise<Pusher>): number {
  if (!runnerThreads.has(L)) {
    throw new MtaKitError('E_POLICY', `${name} waits for the host and cannot be called inside a coroutine`);
  }
  if (!lua.lua_isyieldable(L)) {
    throw new MtaKitError('E_POLICY', `${name} waits for the host and cannot be called inside pcall, a metamethod or an iterator`);
  }
  promise.catch(() => undefined); // settled by the runner; avoid an unhandled rejection meanwhile
  const base = lua.lua_gettop(L);
  lua.lua_pushlightuserdata(L, new PendingOp(promise));
  return lua.lua_yieldk(L, 1, base, afterAwait);
}
