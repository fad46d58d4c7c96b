import type { SuppressionEntry, SuppressionKey } from './entry.js';
import { MemorySuppressionStore, type MemorySuppressionStoreOptions } from './memory-store.js';
import type { SuppressionStore } from './store.js';

/** A call from a worker's copy to the node's list (`serveSuppressionStore` answers it). */
export type SuppressionCall =
  | { op: 'entries' }
  | { op: 'put'; entries: SuppressionEntry[] }
  | { op: 'remove'; keys: SuppressionKey[] }
  | { op: 'soft'; key: SuppressionKey; messageId: string; at: number; windowMs: number };

/** A change to the node's list, as the keeping process tells every copy. */
export type SuppressionChange = { put: SuppressionEntry[] } | { remove: SuppressionKey[] };

/** How a copy reaches the process that keeps the node's list (e.g. the primary of `runCluster`). */
export interface SuppressionLink {
  /** Carries one call there and its answer back. */
  call(call: SuppressionCall): Promise<unknown>;
  /** Registers what to do with each change the keeper tells (every copy's, this one's included). */
  heard(handler: (change: SuppressionChange) => void): void;
}

/**
 * A worker's copy of the node's suppression list (one list for all of `runCluster`'s workers: a
 * bounce learned in one suppresses in every other). Checks and listings read the copy in memory
 * (the `MemorySuppressionStore` it is), so RCPT and each delivery cost no round trip; changes and
 * soft-bounce counts go to the keeper, which makes them durable and then tells every copy, this
 * one before its call resolves.
 */
export class ReplicaSuppressionStore extends MemorySuppressionStore {
  readonly #link: SuppressionLink;
  /** Changes heard before the first copy arrived, applied on top of it (they may be newer). */
  #early: SuppressionChange[] | undefined = [];

  private constructor(link: SuppressionLink, options: MemorySuppressionStoreOptions) {
    super(options);
    this.#link = link;
  }

  /** Listens for changes, then loads the whole list from the keeper. */
  static async open(link: SuppressionLink, options: MemorySuppressionStoreOptions = {}): Promise<ReplicaSuppressionStore> {
    const store = new ReplicaSuppressionStore(link, options);
    link.heard((change) => (store.#early ? store.#early.push(change) : store.#apply(change)));
    store.#apply({ put: (await link.call({ op: 'entries' })) as SuppressionEntry[] });
    for (const change of store.#early ?? []) store.#apply(change);
    store.#early = undefined;
    return store;
  }

  override async put(entries: readonly SuppressionEntry[]): Promise<void> {
    if (entries.length > 0) await this.#link.call({ op: 'put', entries: [...entries] });
  }

  override async remove(keys: readonly SuppressionKey[]): Promise<number> {
    return keys.length === 0 ? 0 : ((await this.#link.call({ op: 'remove', keys: [...keys] })) as number);
  }

  override async countSoftBounce(key: SuppressionKey, messageId: string, at: number, windowMs: number): Promise<number> {
    return (await this.#link.call({ op: 'soft', key, messageId, at, windowMs })) as number;
  }

  /** Applies a change to the copy (the memory store's own put and remove take effect at once). */
  #apply(change: SuppressionChange): void {
    if ('put' in change) void super.put(change.put);
    else void super.remove(change.remove);
  }
}

/**
 * The keeper's side of `ReplicaSuppressionStore`s: runs a copy's call on `store` (the node's
 * durable list) and tells every copy what changed, once it is durable.
 */
export function serveSuppressionStore(store: SuppressionStore): (call: unknown, tell: (change: SuppressionChange) => void) => Promise<unknown> {
  return async (payload, tell) => {
    const call = payload as SuppressionCall;
    switch (call.op) {
      case 'entries': {
        const all: SuppressionEntry[] = [];
        for await (const e of store.entries()) all.push(e);
        return all;
      }
      case 'put':
        await store.put(call.entries);
        tell({ put: call.entries });
        return undefined;
      case 'remove': {
        const removed = await store.remove(call.keys);
        tell({ remove: call.keys });
        return removed;
      }
      case 'soft':
        return store.countSoftBounce(call.key, call.messageId, call.at, call.windowMs);
      default:
        throw new Error(`not a suppression store operation: ${String((call as { op?: unknown }).op)}`);
    }
  };
}
