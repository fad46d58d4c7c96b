import { getHeapStatistics } from 'node:v8';
import type { Clock } from '@mtakit/core';

/** Limits on one policy hook call. */
export interface BudgetLimits {
  /** Wall-clock time the Lua code may run, in ms (time spent awaiting host I/O is not counted). */
  budgetMs: number;
  /** Lua VM instructions; undefined = no instruction cap (the time budget still applies). */
  maxInstructions?: number | undefined;
  /**
   * Memory the call may take, in bytes, checked two ways: net JS heap growth (tables, closures)
   * and the total size of the strings it creates (counted as they are made, since fengari keeps
   * string bytes outside the JS heap). Undefined = unchecked.
   */
  memoryLimitBytes?: number | undefined;
}

export type Overrun =
  | { kind: 'time'; elapsedMs: number; limit: number }
  | { kind: 'instructions'; count: number; limit: number }
  | { kind: 'memory'; bytes: number; limit: number }
  | { kind: 'strings'; bytes: number; limit: number };

/** Bytes of JS heap in use; fengari allocates everything on the JS heap. */
export type HeapProbe = () => number;
export const v8HeapProbe: HeapProbe = () => getHeapStatistics().used_heap_size;

/**
 * The budget of one hook call, fed by the VM's count hook. Time and heap are measured over the
 * slices during which Lua actually runs (a call that awaits a provider is paused meanwhile). Heap
 * growth is counted from the first check of a slice, HOOK_INTERVAL instructions in.
 */
export class CallBudget {
  #elapsed = 0;
  #sliceStart: number | undefined;
  #instructions = 0;
  #heapGrowth = 0;
  #stringBytes = 0;
  /** Heap use when this slice's first tick sampled it (lazily: most calls end before any tick). */
  #heapBase: number | undefined;

  constructor(
    private readonly limits: BudgetLimits,
    private readonly clock: Clock,
    private readonly heap: HeapProbe = v8HeapProbe,
  ) {}

  resume(): void {
    this.#sliceStart = this.clock.now();
    this.#heapBase = undefined;
  }

  pause(): void {
    if (this.#sliceStart === undefined) return;
    this.#elapsed += this.clock.now() - this.#sliceStart;
    this.#sliceStart = undefined;
    if (this.#heapBase !== undefined) this.#heapGrowth += Math.max(0, this.heap() - this.#heapBase);
  }

  get elapsedMs(): number {
    return this.#elapsed + (this.#sliceStart === undefined ? 0 : this.clock.now() - this.#sliceStart);
  }

  /** Bytes of strings the call created so far. */
  get stringBytes(): number {
    return this.#stringBytes;
  }

  get instructions(): number {
    return this.#instructions;
  }

  /** Records `bytes` of strings created; returns the overrun, if any. */
  allocate(bytes: number): Overrun | undefined {
    this.#stringBytes += bytes;
    return this.#stringOverrun();
  }

  #stringOverrun(): Overrun | undefined {
    const limit = this.limits.memoryLimitBytes;
    return limit !== undefined && this.#stringBytes > limit ? { kind: 'strings', bytes: this.#stringBytes, limit } : undefined;
  }

  /**
   * Records `instructions` more VM instructions (or steps of work inside one, such as pattern
   * matching); returns the overrun, if any.
   */
  tick(instructions: number): Overrun | undefined {
    this.#instructions += instructions;
    const strings = this.#stringOverrun();
    if (strings) return strings;
    const { maxInstructions, memoryLimitBytes, budgetMs } = this.limits;
    if (maxInstructions !== undefined && this.#instructions > maxInstructions) {
      return { kind: 'instructions', count: this.#instructions, limit: maxInstructions };
    }
    const elapsedMs = this.elapsedMs;
    if (elapsedMs > budgetMs) return { kind: 'time', elapsedMs, limit: budgetMs };
    if (memoryLimitBytes !== undefined && this.#sliceStart !== undefined) {
      const heap = this.heap();
      this.#heapBase ??= heap;
      const bytes = this.#heapGrowth + heap - this.#heapBase;
      if (bytes > memoryLimitBytes) return { kind: 'memory', bytes, limit: memoryLimitBytes };
    }
    return undefined;
  }
}

export function describeOverrun(overrun: Overrun): string {
  switch (overrun.kind) {
    case 'time':
      return `ran ${Math.round(overrun.elapsedMs)} ms, over its ${overrun.limit} ms budget`;
    case 'instructions':
      return `ran ${overrun.count} Lua instructions, over its limit of ${overrun.limit}`;
    case 'memory':
      return `grew the heap by ${Math.round(overrun.bytes / 1048576)} MiB, over its limit of ${Math.round(overrun.limit / 1048576)} MiB`;
    case 'strings':
      return `created ${Math.round(overrun.bytes / 1048576)} MiB of strings, over its limit of ${Math.round(overrun.limit / 1048576)} MiB`;
  }
}
