import type { ConnectionLease, EgressPathConfig, LimitSpec, RateSpec, Shaper } from '@mtakit/core';

export interface KeyedLimit {
  /** The shaper key. Named (`additional_*`) limits share one key across every path naming them. */
  readonly key: string;
  /** The config key it came from, e.g. `connection_limit` or `additional_connection_limits.global`. */
  readonly name: string;
  readonly limit: LimitSpec;
}

export interface KeyedRate {
  readonly key: string;
  readonly name: string;
  readonly spec: RateSpec;
}

/** Every limit of one egress path, with the shaper key each one lives under. */
export interface PathLimits {
  /** Checked before opening a connection: each must grant a lease. */
  readonly connections: readonly KeyedLimit[];
  /** Checked before opening a connection. */
  readonly connectionRates: readonly KeyedRate[];
  /** Checked before each message. */
  readonly messageRates: readonly KeyedRate[];
  /** Checked when the egress pool considers this source for the site (warm-up). */
  readonly selectionRates: readonly KeyedRate[];
}

/**
 * The shaper keys of a path (source, site): `path:<source>-><site>:<what>` for the path's own
 * limits, `<what>:<name>` for named `additional_*` limits, which are shared by every path that
 * names them (that is how provider-wide caps work).
 */
export function pathLimits(source: string, site: string, config: EgressPathConfig): PathLimits {
  const own = (what: string) => `path:${source}->${site}:${what}`;
  const rates = (single: RateSpec | undefined, singleName: string, what: string, named: Readonly<Record<string, RateSpec>>, mapName: string): KeyedRate[] => [
    ...(single ? [{ key: own(what), name: singleName, spec: single }] : []),
    ...Object.entries(named).map(([n, spec]) => ({ key: `${what}:${n}`, name: `${mapName}.${n}`, spec })),
  ];
  return {
    connections: [
      { key: own('connections'), name: 'connection_limit', limit: config.connection_limit },
      ...Object.entries(config.additional_connection_limits).map(([n, limit]) => ({ key: `connections:${n}`, name: `additional_connection_limits.${n}`, limit })),
    ],
    connectionRates: rates(config.max_connection_rate, 'max_connection_rate', 'connection-rate', {}, ''),
    messageRates: rates(config.max_message_rate, 'max_message_rate', 'message-rate', config.additional_message_rate_throttles, 'additional_message_rate_throttles'),
    selectionRates: rates(config.source_selection_rate, 'source_selection_rate', 'selection-rate', config.additional_source_selection_rates, 'additional_source_selection_rates'),
  };
}

export type Admission = { allowed: true } | { allowed: false; retryAfterMs: number; name: string };

/**
 * Passes one unit through each throttle in order and stops at the first that refuses (units
 * already taken from earlier throttles stay taken, as in KumoMTA).
 */
export async function throttleAll(shaper: Shaper, rates: readonly KeyedRate[], quantity = 1): Promise<Admission> {
  for (const r of rates) {
    const d = await shaper.throttle(r.key, r.spec, quantity);
    if (!d.allowed) return { allowed: false, retryAfterMs: d.retryAfterMs, name: r.name };
  }
  return { allowed: true };
}

export type LeaseSet = { granted: true; leases: ConnectionLease[]; release(): Promise<void>; renew(): Promise<boolean> } | { granted: false; retryAfterMs: number; name: string };

/**
 * Takes a lease on every connection limit of a path, or none: when one limit is full, the leases
 * already taken are released and the caller learns how long to wait. `renew()` is false as soon
 * as any lease was lost (the connection should then finish its message and close).
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
