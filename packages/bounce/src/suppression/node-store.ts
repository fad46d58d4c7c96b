import type { SuppressionEntry, SuppressionKey } from './entry.js';
import { MemorySuppressionStore, type MemorySuppressionStoreOptions } from './memory-store.js';
import type { SuppressionStore } from './store.js';

/** A call from a worker's copy to the node's list (`serveSuppressionStore` answers it). */
export type SuppressionCall =
  | { op: 'entries'; snapshot?: number; offset: number }
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

  /**
   * Listens for changes, then loads the whole list from the keeper, a page at a time (each call
   * stays well within an IPC answer's deadline however long the list; the pages are of one
   * snapshot, so no entry is skipped by changes made meanwhile, which are heard and applied after).
   */
  static async open(link: SuppressionLink, options: MemorySuppressionStoreOptions = {}): Promise<ReplicaSuppressionStore> {
    const store = new ReplicaSuppressionStore(link, options);
    link.heard((change) => (store.#early ? store.#early.push(change) : store.#apply(change)));
    for (let page: EntriesPage | undefined, offset = 0; !page?.done; offset += page.entries.length) {
      page = (await link.call({ op: 'entries', offset, ...(page ? { snapshot: page.snapshot } : {}) })) as EntriesPage;
      store.#apply({ put: page.entries });
    }
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

/** One page of the list as a copy loads it: entries `offset`… of snapshot `snapshot`. */
interface EntriesPage {
  snapshot: number;
  entries: SuppressionEntry[];
  done: boolean;
}

/** Entries per page: about 6 MB of JSON, well under a second to send and parse. */
const PAGE = 20_000;
/** A snapshot nobody asked for a page of for this long is dropped (its copy died while loading). */
const SNAPSHOT_IDLE_MS = 60_000;

/**
 * The keeper's side of `ReplicaSuppressionStore`s: runs a copy's call on `store` (the node's
 * durable list) and tells every copy what changed, once it is durable.
 */
export function serveSuppressionStore(store: SuppressionStore): (call: unknown, tell: (change: SuppressionChange) => void) => Promise<unknown> {
  const snapshots = new Map<number, { entries: SuppressionEntry[]; timer?: NodeJS.Timeout }>();
  let next = 0;
  const page = async (call: Extract<SuppressionCall, { op: 'entries' }>): Promise<EntriesPage> => {
    let id = call.snapshot;
    if (id === undefined) {
      const entries: SuppressionEntry[] = [];
      for await (const e of store.entries()) entries.push(e);
      snapshots.set((id = next++), { entries });
    }
    const snapshot = snapshots.get(id);
    if (!snapshot) throw new Error(`suppression list snapshot ${id} is gone (no page asked for ${SNAPSHOT_IDLE_MS / 1000} s); load the list again`);
    clearTimeout(snapshot.timer);
    const done = call.offset + PAGE >= snapshot.entries.length;
    if (done) snapshots.delete(id);
    else snapshot.timer = setTimeout(() => snapshots.delete(id), SNAPSHOT_IDLE_MS).unref();
    return { snapshot: id, entries: snapshot.entries.slice(call.offset, call.offset + PAGE), done };
  };
  return async (payload, tell) => {
    const call = payload as SuppressionCall;
    switch (call.op) {
      case 'entries':
        return page(call);
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
