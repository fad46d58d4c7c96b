import type { AdminEntry, EgressPathConfigInput, MessageInspection, PathLimits, QueueConfig, QueueConfigInput, QueueLimits, QueueSelector } from '@mtakit/core';

export type { AdminEntry, MessageInspection };

export interface ScheduledQueueInspection {
  queue_name: string;
  queue_config: QueueConfig;
  now: string;
  num_scheduled: number;
  suspended: AdminEntry | null;
  messages: MessageInspection[];
}

export interface ReadyQueueState {
  name: string;
  egress_source: string;
  egress_pool: string;
  site_name: string;
  ready_count: number;
  connection_count: number;
  connection_limit: number;
  max_ready: number;
  paused_until: string | null;
  suspended: AdminEntry | null;
  consecutive_connection_failures: number;
  /** The last connection was refused by a connection limit (KumoMTA's field): which one, since when. */
  connection_limited: { context: string; since: string } | null;
  /** The last connection was refused by a connection rate (KumoMTA's field). */
  connection_rate_throttled: { context: string; since: string } | null;
}

export interface EgressPathResolution {
  domain: string;
  source: string;
  /** The scheduled queue name the request stands for. */
  scheduled_queue: string;
  /** The ready queue that mail would use (`source->site@protocol`). */
  queue_name: string;
  site_name: string;
  /** MX hosts (or the fixed route's hosts), in order. */
  mx: string[];
  /** What get_queue_config returned. */
  queue_config: QueueConfigInput;
  /** What get_egress_path_config returned. */
  path_config: EgressPathConfigInput;
  limits: PathLimits & QueueLimits;
}

/** An admin directive as listed: its id, reason, expiry (RFC 3339) and the fields it was made with. */
export function entry(d: { id: string; reason: string; expires: number }, data: object): AdminEntry {
  const fields = Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined));
  return { id: d.id, reason: d.reason, expires: new Date(d.expires).toISOString(), ...fields };
}

/** Only the selector fields of a request (it may carry others). */
export function pickSelector(request: QueueSelector): QueueSelector {
  const { domain, tenant, campaign, routing_domain, queue_names } = request;
  return { domain, tenant, campaign, routing_domain, queue_names };
}

/** What an admin bounce entry keeps: its selector, and how many messages it bounced per scheduled queue. */
export type BounceData = QueueSelector & { suppress_logging: boolean; bounced?: Record<string, number> };

/** Counts one message bounced by an entry (KumoMTA's `bounced` map and `total_bounced`). */
export function countBounced(d: { data: BounceData }, queue: string): void {
  const bounced = (d.data.bounced ??= {});
  bounced[queue] = (bounced[queue] ?? 0) + 1;
}

/** A bounce entry as listed: the request's fields, `bounced` per queue and `total_bounced`. */
export function bounceEntry(d: { id: string; reason: string; expires: number; data: BounceData }): AdminEntry {
  const bounced = d.data.bounced ?? {};
  return entry(d, { ...d.data, bounced, total_bounced: Object.values(bounced).reduce((a, b) => a + b, 0) });
}
