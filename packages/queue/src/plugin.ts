import { join } from 'node:path';
import type { Logger, Spool } from '@mtakit/core';
import type { MtaPlugin } from '@mtakit/core/mta';
import { registerQueueAdminRoutes } from './admin/http.js';
import { registerDeliveryCacheMetrics, registerQueueMetrics } from './admin/queue-metrics.js';
import { QueueManager, type QueueManagerOptions } from './queue-manager.js';
import { withSmarthost } from './routing/smarthost.js';
import { adoptSpool } from './spool/adopt.js';
import { DiskSpool } from './spool/disk-spool.js';

export interface QueuePluginOptions {
  /** The spool: a directory for the disk spool (default `<dataDir>/spool`), or a Spool of your own. */
  spool?: string | Spool;
  /** fdatasync each spool batch before the reply. Default true; false only for tests and benchmarks. */
  fsync?: boolean;
  /** Memory for just-stored messages read by their delivery instead of the disk (`DiskSpoolOptions.deliveryCacheBytes`). Default 32 MiB; 0 = off. */
  deliveryCacheBytes?: number;
  /** Deliver every queue whose config names no protocol of its own to this `host:port`. */
  smarthost?: string | undefined;
  /** Tuning passed to the queue manager (promotion batch, reaping). */
  tuning?: Pick<QueueManagerOptions, 'promoteBatch' | 'reapCheckMs' | 'readyQueueReapMs'>;
  /**
   * Disk spool directories whose messages move into this spool at start, before recovery (a shard
   * left by a run with more workers; see `adoptSpool`). Each is deleted once empty.
   */
  adopt?: readonly string[];
}

/**
 * The queue as a plugin of `createMta`: the durable spool, scheduled and ready queues and their
 * dispatchers, built with the policy, shaper, classifier and delivery gates the other plugins
 * provide; the queue's admin API (KumoMTA's paths) on the HTTP listener. Named `queue`, so other
 * plugins may list it in their `dependencies`.
 */
export function queuePlugin(options: QueuePluginOptions = {}): MtaPlugin {
  return {
    name: 'queue',
    async setup(ctx) {
      const dir = typeof options.spool === 'object' ? undefined : (options.spool ?? join(ctx.dataDir, 'spool'));
      if (dir !== undefined) await adoptSpools(options.adopt ?? [], dir, options.fsync ?? true, ctx.logger);
      const own = dir === undefined ? undefined : await DiskSpool.open({
        dir,
        fsync: options.fsync ?? true,
        ...(options.deliveryCacheBytes !== undefined ? { deliveryCacheBytes: options.deliveryCacheBytes } : {}),
        log: ctx.logger,
        onBatch: (_n, _bytes, ms) => ctx.metrics.spoolSyncLatency.observe(ms / 1000),
      });
      if (own) ctx.metrics.countSpoolWith(() => own.size);
      const spool = own ?? (options.spool as Spool);
      let manager: QueueManager | undefined;
      return {
        queue: (w) => (manager = new QueueManager({
          spool, log: ctx.log, policy: withSmarthost(w.policy, options.smarthost), resolver: ctx.resolver, hostname: ctx.hostname,
          nodeId: ctx.nodeId, metrics: ctx.metrics, logger: ctx.logger, perMessageQueueConfig: w.perMessageQueueConfig,
          ...(w.shaper ? { shaper: w.shaper } : {}), ...(w.classify ? { classify: w.classify } : {}),
          ...(w.deliveryGate ? { beforeDelivery: w.deliveryGate } : {}), ...options.tuning,
        })),
        routes: (http) => {
          if (manager) registerQueueAdminRoutes(http, manager);
        },
        metrics: () => {
          if (manager) registerQueueMetrics(ctx.metrics, manager);
          if (own?.deliveryCache) registerDeliveryCacheMetrics(ctx.metrics, own.deliveryCache);
        },
        stop: () => own?.close(),
      };
    },
  };
}

/** Moves the adopted spools' messages into `dir` before it is opened for the queue. */
async function adoptSpools(from: readonly string[], dir: string, fsync: boolean, logger: Logger): Promise<void> {
  if (from.length === 0) return;
  const into = await DiskSpool.open({ dir, fsync, log: logger });
  try {
    for (const other of from) {
      const started = Date.now();
      const moved = await adoptSpool(other, into, { fsync, log: logger });
      logger('info', `spool: adopted ${moved} messages from ${other} in ${Date.now() - started} ms`);
    }
  } finally {
    await into.close();
  }
}
