import type { LogBus, Policy, PreSendHook } from '@mtakit/core';
import type { MxResolver } from '@mtakit/core/dns';
import type { HttpListener } from '@mtakit/core/http';
import type { MtaMetrics } from '@mtakit/core/metrics';
import type { QueueManager } from '@mtakit/queue';
import type { MtaConfig } from '../config.js';
import type { Logger } from '../logger.js';

/** What every feature can use while the MTA is assembled. */
export interface MtaContext {
  config: MtaConfig;
  logger: Logger;
  log: LogBus;
  metrics: MtaMetrics;
  resolver: MxResolver;
  nodeId: string;
}

/**
 * One capability of the example MTA (shaping, Lua policy, bounces, scorer…), set up in its own
 * file. `mta.ts` runs the features in order: their policies are layered after the application's
 * own, and after the queue exists each feature may add HTTP routes and background work.
 */
export interface Feature {
  name: string;
  /** Policy layer (composed after the application's policy, before the defaults). */
  policy?: Policy;
  /** Pre-send hook (at most one feature provides it). */
  preSend?: PreSendHook;
  /** Extra options for the queue manager. */
  queueOptions?: Partial<Pick<import('@mtakit/queue').QueueManagerOptions, 'shaper' | 'classify' | 'beforeDelivery' | 'perMessageQueueConfig'>>;
  /** Called once the queue and the HTTP listener exist (register routes, subscribe to logs). */
  start?(running: { queue: QueueManager; http: HttpListener }): Promise<void> | void;
  /**
   * Called by `POST /api/admin/bump-config-epoch` before the queue's config caches are dropped
   * (reload policy files, shaping rules…). Throw to refuse the reload; the old config stays.
   */
  reload?(): Promise<void> | void;
  /** Called on shutdown, after the queue stopped. */
  stop?(): Promise<void> | void;
}
