import { describe, expect, it } from 'vitest';
import { MemoryShapingStore } from './memory.js';
import { remoteShapingStore, serveShapingStore } from './remote.js';

/** Two callers (worker pids 101 and 102) of one served store, as runCluster's primary keeps it. */
function node() {
  const store = new MemoryShapingStore();
  const served = serveShapingStore(store);
  const caller = (pid: number) => remoteShapingStore((call) => served.serve(call, pid));
  return { served, a: caller(101), b: caller(102) };
}

describe('serveShapingStore', () => {
  it('releases the leases of a caller that is gone, so its successor is not blocked until they expire', async () => {
    const { served, a, b } = node();
    expect((await a.acquireLease('mx', 1, 60_000, 'lease-a')).granted).toBe(true);
    expect((await b.acquireLease('mx', 1, 60_000, 'lease-b')).granted).toBe(false);
    await served.callerGone(101);
    expect((await b.acquireLease('mx', 1, 60_000, 'lease-b')).granted).toBe(true);
  });

  it('leaves the leases of other callers alone and forgets leases released in time', async () => {
    const { served, a, b } = node();
    expect((await a.acquireLease('mx', 2, 60_000, 'lease-a')).granted).toBe(true);
    expect((await b.acquireLease('mx', 2, 60_000, 'lease-b')).granted).toBe(true);
    await a.releaseLease('mx', 'lease-a');
    expect((await a.acquireLease('mx', 2, 60_000, 'lease-a2')).granted).toBe(true);
    await served.callerGone(101);
    expect((await b.leaseState('mx')).count).toBe(1);
    // Caller 102's lease still holds one of the two slots: one more fits, a second does not.
    expect((await a.acquireLease('mx', 2, 60_000, 'lease-c')).granted).toBe(true);
    expect((await a.acquireLease('mx', 2, 60_000, 'lease-d')).granted).toBe(false);
  });

  it('refuses what is not a store operation', async () => {
    const { served } = node();
    await expect(served.serve({ method: 'close', args: [] }, 101)).rejects.toThrow('not a shaping store operation');
  });
});
