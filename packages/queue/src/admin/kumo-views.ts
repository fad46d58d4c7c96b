import type { PathLimits } from '@mtakit/core';
import type { AdminEntry, ReadyQueueState } from './views.js';

/** KumoMTA's `QueueState`: why a ready queue is held back, since when. */
export interface QueueState {
  context: string;
  since: string;
}

/** `GET /api/admin/ready-q-states/v1`: queue name → { state name → QueueState }, only queues with a state. */
export type ReadyQueueStateMap = Record<string, Partial<Record<'connection_limited' | 'connection_rate_throttled', QueueState>>>;

/**
 * A duration the way kumod prints it (humantime: `1h 4m 3s 120ms`): list entries carry the time
 * left until they expire in this form (`duration`), next to mtakit's absolute `expires`.
 */
export function humanDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms));
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n}${unit}`);
  }
  return parts.length === 0 ? '0s' : parts.join(' ');
}

/** Adds `duration` (time left) to admin list entries. */
export function withDuration(entries: AdminEntry[], now: number): AdminEntry[] {
  return entries.map((e) => ({ ...e, duration: humanDuration(Date.parse(e.expires) - now) }));
}

/** The ready-queue states as kumod reports them: a map, and only the queues that are held back. */
export function readyQueueStateMap(states: readonly ReadyQueueState[], only: ReadonlySet<string> | undefined): ReadyQueueStateMap {
  const out: ReadyQueueStateMap = {};
  for (const s of states) {
    if (only && !only.has(s.name)) continue;
    const held: ReadyQueueStateMap[string] = {};
    if (s.connection_limited) held.connection_limited = s.connection_limited;
    if (s.connection_rate_throttled) held.connection_rate_throttled = s.connection_rate_throttled;
    if (Object.keys(held).length > 0) out[s.name] = held;
  }
  return out;
}

/**
 * `GET /api/admin/inspect-ready-q/v1` in kumod's shape (InspectReadyQV1Response) with what mtakit
 * knows: the state snapshot, the path limits in force and the connection ceiling. mtakit does not
 * give dispatchers session ids, so `dispatchers` is empty and `state.connection_count` counts them.
 */
export function inspectReadyQueue(state: ReadyQueueState, limits: PathLimits | undefined, now: number) {
  const protocol = state.name.slice(state.name.lastIndexOf('@') + 1);
  return {
    queue_name: state.name,
    mx: null,
    egress_source: state.egress_source,
    egress_pool: state.egress_pool,
    protocol,
    state: {
      ready_count: state.ready_count,
      connection_count: state.connection_count,
      connection_limited: state.connection_limited,
      connection_rate_throttled: state.connection_rate_throttled,
      suspended: state.suspended ? withDuration([state.suspended], now)[0] : null,
    },
    path_config: limits ?? null,
    constraints: { max_concurrent_dispatchers: { value: state.connection_limit, source: 'ConnectionLimit' } },
    dispatchers: [],
    now: new Date(now).toISOString(),
    site_name: state.site_name,
    max_ready: state.max_ready,
    paused_until: state.paused_until,
  };
}
