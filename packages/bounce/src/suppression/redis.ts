/**
 * @mtakit/bounce/redis — the suppression list in Redis, shared by every node of a cluster. A
 * subpath of its own so that ioredis (an optional peer dependency) is loaded only by applications
 * that configure it.
 */
export { RedisSuppressionStore, type RedisSuppressionStoreOptions } from './redis-store.js';
