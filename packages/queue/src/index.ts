/**
 * @mtakit/queue — the durable spool, scheduled and ready queues, egress pools and sources, and the
 * dispatchers that drive core's SMTP client.
 */
export { DiskSpool, type DiskSpoolOptions } from './spool/disk-spool.js';
export type { IdHandles } from './spool/id-table.js';
export type { DeliveryCache, DeliveryCacheStats } from './spool/delivery-cache.js';
export { adoptSpool } from './spool/adopt.js';
export { MemorySpool } from './spool/memory-spool.js';
export { QueueManager, type QueueManagerOptions, type QueueSummary } from './queue-manager.js';
export { HOLD_META, BATCH_META } from './batches.js';
export type { AdminEntry, MessageInspection, ScheduledQueueInspection, ReadyQueueState, EgressPathResolution } from './admin/views.js';
export { registerQueueAdminRoutes } from './admin/http.js';
export { registerQueueMetrics } from './admin/queue-metrics.js';
export { humanDuration, type QueueState, type ReadyQueueStateMap } from './admin/kumo-views.js';
export type { QueueSelector } from './admin/matching.js';
export type { DirectiveTiming } from './admin/directives.js';
export { delayForAttempt, jitter, nextAttemptDue, deadline, recomputedDue } from './retry.js';
export { WeightedRoundRobin } from './egress/weighted-round-robin.js';
export { queuePlugin, type QueuePluginOptions } from './plugin.js';
export { withSmarthost } from './routing/smarthost.js';
