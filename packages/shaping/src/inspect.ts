import type { KeyedLimit, KeyedRate, PathLimits, ThrottleDecision } from '@mtakit/core';
import type { LeaseState } from './leases.js';
import type { StoreShaper } from './shaper.js';

/** Live state of one limit of a path (for `/api/admin/ready-queues/v1` and metrics). */
export type LimitState =
  | { readonly kind: 'connections'; readonly key: string; readonly name: string; readonly limit: number; readonly local: boolean; readonly leases: LeaseState }
  | {
      readonly kind: 'connection-rate' | 'message-rate' | 'selection-rate';
      readonly key: string;
      readonly name: string;
      readonly spec: string;
      /** The bucket now, without consuming: `allowed` false means it is throttled for `retryAfterMs`. */
      readonly bucket: ThrottleDecision;
    };

/**
 * Reads limits without taking anything from them: a path's (core's `pathLimits`) or any group of
 * keyed limits, such as a tenant's (core's `queueLimits`, as `{ connections, messageRates }`).
 */
export async function limitStates(shaper: StoreShaper, limits: Partial<PathLimits>): Promise<LimitState[]> {
  const lease = async (l: KeyedLimit): Promise<LimitState> => ({
    kind: 'connections', key: l.key, name: l.name, limit: l.limit.limit, local: l.limit.local, leases: await shaper.leaseState(l.key, l.limit),
  });
  const rate = (kind: 'connection-rate' | 'message-rate' | 'selection-rate') => async (r: KeyedRate): Promise<LimitState> => ({
    kind, key: r.key, name: r.name, spec: r.spec.text, bucket: await peek(shaper, r),
  });
  return Promise.all([
    ...(limits.connections ?? []).map(lease),
    ...(limits.connectionRates ?? []).map(rate('connection-rate')),
    ...(limits.messageRates ?? []).map(rate('message-rate')),
    ...(limits.selectionRates ?? []).map(rate('selection-rate')),
  ]);
}

/** A quantity-0 check reports "allowed" even when a unit would be refused; report what one unit would get. */
async function peek(shaper: StoreShaper, r: KeyedRate): Promise<ThrottleDecision> {
  const d = await shaper.peekThrottle(r.key, r.spec);
  return d.remaining >= 1 ? d : { ...d, allowed: false, retryAfterMs: Math.max(0, d.resetAfterMs - (r.spec.periodMs / r.spec.limit) * (r.spec.maxBurst - 1)) };
}
