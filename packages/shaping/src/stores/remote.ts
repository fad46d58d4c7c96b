import type { LeaseAttempt } from '../leases.js';
import type { ShapingStore } from './store.js';

/** The store's operations a remote caller may run (everything but `shared` and `close`). */
const METHODS = ['throttle', 'acquireLease', 'renewLease', 'releaseLease', 'leaseState', 'countEvent', 'putEffect', 'listEffects', 'getDocument', 'putDocument'] as const;
type Method = (typeof METHODS)[number];

/** One call of a store operation, as it travels between processes. */
export interface StoreCall {
  method: Method;
  args: unknown[];
}

/**
 * A shaping store kept by another process of the same node — the primary of `runCluster`'s
 * workers — so throttles, connection limits and automation state are the node's, not each
 * worker's. `call` carries one operation there (`serveShapingStore` answers it) and back; the
 * state is the other process's to keep, so closing this one does nothing.
 */
export function remoteShapingStore(call: (call: StoreCall) => Promise<unknown>): ShapingStore {
  const operations = Object.fromEntries(METHODS.map((method) => [method, (...args: unknown[]) => call({ method, args })]));
  return { ...operations, shared: true, close: async () => undefined } as unknown as ShapingStore;
}

/** The keeping process's side of `remoteShapingStore`s: `serve` runs a caller's operation on the store. */
export interface ServedShapingStore {
  /** Runs one `StoreCall` from the caller `from` (a worker's pid). */
  serve(call: unknown, from: number): Promise<unknown>;
  /**
   * The caller `from` is gone: its connection leases are released now. A SIGKILLed worker never
   * releases them, and its successor on the same shard would otherwise wait out their lifetime.
   */
  callerGone(from: number): Promise<void>;
}

/** Serves `store` to remote callers, remembering which caller holds which connection lease. */
export function serveShapingStore(store: ShapingStore): ServedShapingStore {
  const leases = new Map<number, Map<string, string>>();
  const held = (from: number): Map<string, string> => {
    let mine = leases.get(from);
    if (!mine) leases.set(from, (mine = new Map()));
    return mine;
  };
  return {
    async serve(payload, from) {
      const { method, args } = payload as StoreCall;
      if (!(METHODS as readonly string[]).includes(method)) throw new Error(`not a shaping store operation: ${String(method)}`);
      const result = await (store[method] as (...a: unknown[]) => Promise<unknown>).apply(store, args);
      // Lease ids are unique per lease, so (id → key) is enough to release them later.
      if (method === 'acquireLease' && (result as LeaseAttempt).granted) held(from).set(args[3] as string, args[0] as string);
      else if (method === 'releaseLease') leases.get(from)?.delete(args[1] as string);
      return result;
    },
    async callerGone(from) {
      const mine = leases.get(from);
      leases.delete(from);
      for (const [id, key] of mine ?? []) await store.releaseLease(key, id).catch(() => undefined);
    },
  };
}
