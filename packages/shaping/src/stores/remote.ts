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

/** The keeping process's side: runs a `RemoteShapingStore`'s call on `store`. */
export function serveShapingStore(store: ShapingStore): (call: unknown) => Promise<unknown> {
  return async (payload) => {
    const { method, args } = payload as StoreCall;
    if (!(METHODS as readonly string[]).includes(method)) throw new Error(`not a shaping store operation: ${String(method)}`);
    return (store[method] as (...a: unknown[]) => Promise<unknown>).apply(store, args);
  };
}
