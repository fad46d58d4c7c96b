export { DiskSpool, type DiskSpoolOptions } from './disk-spool.js';
export { MemorySpool } from './memory-spool.js';
