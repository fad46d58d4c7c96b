/**
 * A second MTA process for the cluster test: hammers one throttle through its own Redis store and
 * prints what it was admitted as JSON. Both processes start at the same wall-clock time.
 * Usage: redis-hammer-main.ts <redis-url> <key> <spec> <start-at-epoch-ms> <duration-ms>
 */
import { parseRateSpec } from '@mtakit/core';
import { StoreShaper } from '../shaper.js';
import { RedisShapingStore } from '../stores/redis.js';
import { hammer } from './hammer.js';

const [url, key, spec, startAt, ms] = process.argv.slice(2) as [string, string, string, string, string];
const store = new RedisShapingStore({ redis: url });
await store.leaseState('warm-up'); // connect and load the scripts before the start line
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const result = await hammer(new StoreShaper({ store }), key, parseRateSpec(spec), Number(ms));
await store.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
