import type { ConnectionLease, Shaper } from './shaper.js';
import type { KeyedLimit, KeyedRate } from './shaping-keys.js';

export type Admission = { allowed: true } | { allowed: false; retryAfterMs: number; name: string; rate: KeyedRate };

/**
 * Passes one unit through each throttle in order and stops at the first that refuses (units
 * already taken from earlier throttles stay taken, as in KumoMTA).
 */
export async function throttleAll(shaper: Shaper, rates: readonly KeyedRate[], quantity = 1): Promise<Admission> {
  for (const rate of rates) {
    const d = await shaper.throttle(rate.key, rate.spec, quantity);
    if (!d.allowed) return { allowed: false, retryAfterMs: d.retryAfterMs, name: rate.name, rate };
  }
  return { allowed: true };
}

export type LeaseSet =
  | { granted: true; leases: ConnectionLease[]; release(): Promise<void>; renew(): Promise<boolean> }
  | { granted: false; retryAfterMs: number; name: string };

/**
 * Takes a lease on every limit, or none: when one limit is full, the leases already taken are
 * released and the caller learns which limit refused. `renew()` is false as soon as any lease was
 * lost (the holder should finish what it is doing and let go).
 */
export async function acquireAll(shaper: Shaper, limits: readonly KeyedLimit[]): Promise<LeaseSet> {
  const leases: ConnectionLease[] = [];
  const releaseAll = async () => {
    await Promise.all(leases.map((l) => l.release()));
  };
  for (const l of limits) {
    const r = await shaper.acquireConnection(l.key, l.limit);
    if (!r.granted) {
      await releaseAll();
      return { granted: false, retryAfterMs: r.retryAfterMs, name: l.name };
    }
    leases.push(r.lease);
  }
  return {
    granted: true,
    leases,
    release: releaseAll,
    renew: async () => (await Promise.all(leases.map((l) => l.renew()))).every(Boolean),
  };
}
