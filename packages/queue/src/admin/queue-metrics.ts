import { parseQueueName } from '@mtakit/core';
import { foldSmallest, Gauge, readyQueueService, type MtaMetrics } from '@mtakit/core/metrics';
import type { QueueManager } from '../queue-manager.js';
import type { DeliveryCache } from '../spool/delivery-cache.js';

/**
 * KumoMTA's queue gauges, read from the queue at scrape time: scheduled_count{queue},
 * scheduled_by_domain{domain}, scheduled_by_tenant{tenant}, scheduled_by_tenant_campaign{tenant,campaign},
 * scheduled_queue_count, and connection_count{service="smtp_client:<ready queue>"} — the labels
 * `kcli queue-summary` reads.
 */
export function registerQueueMetrics(metrics: MtaMetrics, queue: QueueManager): void {
  const registers = [metrics.registry];
  const scheduled = () => queue.summary().scheduled;
  // Series per label family at most (the rest fold into `other`): see foldSmallest.
  const SERIES_LIMIT = 200;
  const tally = <L extends string>(gauge: Gauge<L>, labelsOf: (name: string) => Partial<Record<L, string>> | undefined) => {
    gauge.reset();
    const totals = new Map<string, { labels: Partial<Record<L, string>>; count: number }>();
    for (const q of scheduled()) {
      const labels = labelsOf(q.name);
      if (!labels) continue;
      const key = JSON.stringify(labels);
      const t = totals.get(key) ?? { labels, count: 0 };
      t.count += q.count;
      totals.set(key, t);
    }
    for (const t of foldSmallest(totals.values(), SERIES_LIMIT)) gauge.set(t.labels, t.count);
  };
  new Gauge({ name: 'scheduled_count', help: 'number of messages in the scheduled queue', labelNames: ['queue'], registers, collect() { tally(this, (queue) => ({ queue })); } });
  new Gauge({ name: 'scheduled_by_domain', help: 'number of messages in the scheduled queue for a specific domain', labelNames: ['domain'], registers, collect() { tally(this, (n) => ({ domain: parseQueueName(n).domain })); } });
  new Gauge({
    name: 'scheduled_by_tenant', help: 'number of messages in the scheduled queue for a specific tenant', labelNames: ['tenant'], registers,
    collect() { tally(this, (n) => { const { tenant } = parseQueueName(n); return tenant ? { tenant } : undefined; }); },
  });
  new Gauge({
    name: 'scheduled_by_tenant_campaign', help: 'number of messages in the scheduled queue for a specific tenant and campaign combination', labelNames: ['tenant', 'campaign'], registers,
    collect() { tally(this, (n) => { const { tenant, campaign } = parseQueueName(n); return tenant && campaign ? { tenant, campaign } : undefined; }); },
  });
  new Gauge({ name: 'scheduled_queue_count', help: 'how many scheduled queues are tracked by the QueueManager', registers, collect() { this.set(queue.stats().scheduledQueues); } });
  metrics.addConnectionSource(() => queue.summary().ready.map((r) => ({ service: readyQueueService(r.name), count: r.connections })));
}

/**
 * The disk spool's delivery cache, read at scrape time: loads served from memory and from disk
 * (a miss: a retry, a message parked by a suspension or older than the cache keeps), and what it holds.
 */
export function registerDeliveryCacheMetrics(metrics: MtaMetrics, cache: DeliveryCache): void {
  const registers = [metrics.registry];
  new Gauge({
    name: 'mtakit_spool_delivery_cache_loads', help: 'Deliveries\' reads of a message, by where they were served from (memory = the delivery cache, disk = the spool)', labelNames: ['from'], registers,
    collect() {
      const { hits, misses } = cache.stats;
      this.set({ from: 'memory' }, hits);
      this.set({ from: 'disk' }, misses);
    },
  });
  new Gauge({ name: 'mtakit_spool_delivery_cache_bytes', help: 'Bytes the spool\'s delivery cache holds now', registers, collect() { this.set(cache.stats.bytes); } });
}
