import type { LuaState } from 'fengari';
import lobject from 'fengari/src/lobject.js';
import { raise } from './errors.js';

/**
 * Charges the work a policy does outside the VM's instruction count to the running call's budget:
 * pattern-matching steps and the bytes of every string Lua creates. Both used to escape the budget
 * hook (one VM instruction can match for seconds or build a 1 GiB string).
 */
export interface Meter {
  /** Counts `n` steps of work done inside one instruction; throws when the budget is exhausted. */
  steps(L: LuaState, n: number): void;
  /** Counts `n` bytes allocated; returns the overrun error once the allocation budget is exhausted. */
  bytes(L: LuaState, n: number): Error | undefined;
}

let active: Meter | undefined;

/** Runs `fn` (a slice of Lua) with `meter` receiving its charges (none: nothing is charged). */
export function runMetered<T>(meter: Meter | undefined, fn: () => T): T {
  const previous = active;
  active = meter;
  try {
    return fn();
  } finally {
    active = previous;
  }
}

export function chargeSteps(L: LuaState, n: number): void {
  active?.steps(L, n);
}

/**
 * Strings at least this long are refused on the spot once the allocation budget is exhausted;
 * shorter ones are only counted (the budget hook stops the call at its next instruction) so that
 * the error being raised can still be built.
 */
const REFUSE_AT = 64 * 1024;

/** Charges `n` bytes about to be allocated by a JS function; throws if they are many and over budget. */
export function chargeBytes(L: LuaState, n: number): void {
  const overrun = active?.bytes(L, n);
  if (overrun && n >= REFUSE_AT) throw overrun;
}

let installed = false;

/**
 * Counts the strings fengari creates. Every Lua string reaches the stack through one of two
 * functions of fengari's lobject module, which the VM (concatenation) and the C API (the string
 * library, table.concat, host functions) call through the module object; wrapping them there
 * counts every string without forking fengari. Process-wide, but free when no call is metered.
 */
export function meterStringAllocations(): void {
  if (installed) return;
  installed = true;
  const { pushsvalue2s, setsvalue2s } = lobject;
  lobject.pushsvalue2s = (L, ts) => {
    charge(L, ts.realstring.length);
    pushsvalue2s(L, ts);
  };
  lobject.setsvalue2s = (L, idx, ts) => {
    charge(L, ts.realstring.length);
    setsvalue2s(L, idx, ts);
  };
}

function charge(L: LuaState, n: number): void {
  const overrun = active?.bytes(L, n);
  if (overrun && n >= REFUSE_AT) raise(L, overrun);
}
