import type { LimitSpec, RateSpec } from '../config/rate.js';

/** The answer of a rate throttle (GCRA). */
export interface ThrottleDecision {
  allowed: boolean;
  /** When not allowed: how long until one unit would be admitted (ms). 0 when allowed. */
  retryAfterMs: number;
  /** Units still available immediately after this decision. */
  remaining: number;
  /** How long until the bucket is completely empty again (ms). */
  resetAfterMs: number;
}

/** A held connection slot. Leases expire by themselves if the holder dies; renew while in use. */
export interface ConnectionLease {
  readonly key: string;
  /** Extends the lease; false if it had already expired and was lost. */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

export type LeaseResult = { granted: true; lease: ConnectionLease } | { granted: false; retryAfterMs: number };

/**
 * Rate throttles and connection limits, local or shared across a cluster. Implemented by
 * `@mtakit/shaping` (memory and Redis stores); the queue asks it before each connection and
 * message. Keys are chosen by the caller (e.g. `path:<source>-><site>`); a spec is part of the
 * bucket identity, so changing a rate starts a fresh bucket.
 */
export interface Shaper {
  throttle(key: string, spec: RateSpec, quantity?: number): Promise<ThrottleDecision>;
  acquireConnection(key: string, limit: LimitSpec): Promise<LeaseResult>;
}
