/**
 * @mtakit/queue — the durable spool, scheduled and ready queues, egress pools and sources, and the
 * dispatchers that drive core's SMTP client.
 */
export { DiskSpool, type DiskSpoolOptions } from './spool/disk-spool.js';
export { MemorySpool } from './spool/memory-spool.js';
export { QueueManager, type QueueManagerOptions, type QueueSummary } from './queue-manager.js';
export { delayForAttempt, jitter, nextAttemptDue, deadline, recomputedDue } from './retry.js';
export { WeightedRoundRobin } from './egress/weighted-round-robin.js';
