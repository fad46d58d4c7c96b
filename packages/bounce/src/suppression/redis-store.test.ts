import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRedisServer, startRedis, type TestRedis } from '@mtakit/core/testing';
import { SUPPRESSION_STORE_CONTRACT } from './contract.js';
import type { SuppressionEntry } from './entry.js';
import { RedisSuppressionStore } from './redis-store.js';

const redisBinary = findRedisServer();
if (!redisBinary) console.warn('redis-server is not installed: the Redis suppression store tests are skipped (apt-get install redis-server)');

describe.skipIf(!redisBinary)('RedisSuppressionStore', () => {
  let redis: TestRedis;
  let prefixes = 0;
  beforeAll(async () => {
    redis = await startRedis(redisBinary);
  });
  afterAll(() => redis?.stop());
  const store = () => new RedisSuppressionStore({ redis: redis.url, prefix: `test${++prefixes}:` });

  describe('contract', () => {
    for (const check of SUPPRESSION_STORE_CONTRACT) {
      it(check.name, async () => {
        const s = store();
        try {
          // Redis expires keys by its own clock: let real time pass.
          await check.run(s, { now: () => Date.now(), advance: (ms) => new Promise((r) => setTimeout(r, ms)) });
        } finally {
          await s.close();
        }
      });
    }
  });

  it('is shared: what one node adds, another node sees at once', async () => {
    const prefix = `shared${++prefixes}:`;
    const a = new RedisSuppressionStore({ redis: redis.url, prefix });
    const b = new RedisSuppressionStore({ redis: redis.url, prefix });
    const entry: SuppressionEntry = {
      recipient: 'gone@example.net', tenant: null, reason: 'bounce', category: 'InvalidRecipient', source_type: 'Bounce', source_id: '',
      created: Date.now(), expires: Date.now() + 60_000, note: '',
    };
    await a.put([entry]);
    expect(await b.check('gone@example.net', 'acme')).toEqual(entry);
    expect(await b.countSoftBounce({ recipient: 'x@example.net', tenant: null }, 'm1', Date.now(), 60_000)).toBe(1);
    expect(await a.countSoftBounce({ recipient: 'x@example.net', tenant: null }, 'm2', Date.now(), 60_000)).toBe(2);
    await a.close();
    await b.close();
  });

  it('keeps tenants apart even when their names contain the separator or glob characters', async () => {
    const s = store();
    const base = { reason: 'complaint' as const, category: '', source_type: 'api', source_id: '', created: Date.now(), expires: null, note: '' };
    await s.put([{ ...base, recipient: 'b:c@example.net', tenant: 'a' }, { ...base, recipient: 'c@example.net', tenant: 'a:b' }, { ...base, recipient: 'd@example.net', tenant: 'x*' }]);
    expect(await s.check('c@example.net', 'a')).toBeUndefined();
    expect((await s.check('c@example.net', 'a:b'))?.tenant).toBe('a:b');
    const listed: string[] = [];
    for await (const e of s.entries({ tenant: 'x*' })) listed.push(e.recipient);
    expect(listed).toEqual(['d@example.net']);
    await s.close();
  });

  it('does not close a client it was given', async () => {
    const client = new Redis(redis.url);
    const s = new RedisSuppressionStore({ redis: client, prefix: `own${++prefixes}:` });
    await s.close();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
  });
});
