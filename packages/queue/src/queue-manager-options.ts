import type { Logger, Clock, LogBus, Message, Policy, Shaper, SmtpResponse, Spool, Timers } from '@mtakit/core';
import type { MxResolver } from '@mtakit/core/dns';
import type { MtaMetrics } from '@mtakit/core/metrics';

export interface QueueManagerOptions {
  spool: Spool;
  log: LogBus;
  /** Policy hooks (get_queue_config, get_egress_pool, get_egress_source, get_egress_path_config, …). */
  policy?: Policy;
  /** MX resolution with its cache. Default: system DNS. */
  resolver?: MxResolver;
  /** Throttles and connection leases (`@mtakit/shaping`). Without one, only local connection limits apply. */
  shaper?: Shaper;
  /** EHLO name when neither path nor source sets one. */
  hostname: string;
  nodeId?: string;
  clock?: Clock;
  /** Deferred work: queue wake-ups, dispatch retries, retries after faults. Default: real timers. */
  timers?: Timers;
  metrics?: MtaMetrics;
  /** Bounce classification for TransientFailure and Bounce records (e.g. core's classifier). */
  classify?: (response: SmtpResponse) => string;
  /** Progress and problems. */
  logger?: Logger;
  /** Random source for jitter and host shuffling (tests). */
  random?: () => number;
  /** Due messages promoted per queue per turn of the event loop. Default 256. */
  promoteBatch?: number;
  /**
   * How often idle queues are looked for and dropped: a scheduled queue empty for its
   * `reap_interval`, a ready queue empty and unconnected for `readyQueueReapMs`. Default 60 s.
   */
  reapCheckMs?: number;
  /** How long an empty ready queue with no connection is kept. Default 10 minutes. */
  readyQueueReapMs?: number;
  /**
   * Checked after a message is loaded for delivery and before it is sent (a suppression list, a
   * last-minute policy): a reply returned here is the attempt's outcome (5xx bounces, 4xx retries)
   * and nothing is sent.
   */
  beforeDelivery?: (message: Message) => Promise<SmtpResponse | undefined>;
  /**
   * Ask get_queue_config for every message (with `{ message }`) instead of once per queue: for
   * policies whose queue config reads the message (e.g. KumoMTA-style `get_msg_metadata`).
   * Costs a spool read and a hook call per promotion. Default false.
   */
  perMessageQueueConfig?: boolean | (() => boolean);
  /**
   * Where admin entries (suspensions, ready-queue suspensions, admin bounces) are kept so they
   * outlive a restart until they expire (`admin-state.json`). Default: the DiskSpool's directory;
   * with another spool and no stateDir they live in memory only.
   */
  stateDir?: string;
  /** How long a message whose spool read failed waits before it is tried again. Default 30 s. */
  faultRetryMs?: number;
}

export interface QueueSummary {
  scheduled: Array<{ name: string; count: number; nextDue: string | null }>;
  ready: Array<{ name: string; count: number; connections: number; pausedUntil: string | null }>;
}
