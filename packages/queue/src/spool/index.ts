export { DiskSpool, type DiskSpoolOptions } from './disk-spool.js';
export type { DeliveryCache, DeliveryCacheStats } from './delivery-cache.js';
export { MemorySpool } from './memory-spool.js';
