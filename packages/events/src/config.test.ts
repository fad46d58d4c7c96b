import { describe, expect, it } from 'vitest';
import { endpointsFromConfig, journalSyncFromConfig } from './config.js';

describe('events config', () => {
  it('builds each sink type with its filter, batching and retry settings', () => {
    const [hook, nats, amqp, redis, kafka] = endpointsFromConfig({ endpoints: [
      { name: 'h', type: 'webhook', url: 'https://hooks.example/x', secrets_env: ['S1'], format: 'array', events: ['Bounce'], tenants: ['acme'], batch_wait: '10ms', concurrency: 3, max_age: '1h', retry_initial: '2s', breaker_failures: 7 },
      { name: 'n', type: 'nats', servers: '127.0.0.1:4222' },
      { name: 'a', type: 'amqp', url: 'amqp://u:p@127.0.0.1:5672' },
      { name: 'r', type: 'redis', url: 'redis://127.0.0.1:6379', max_len: 1000 },
      { name: 'k', type: 'kafka', brokers: ['10.0.0.1:9092', '10.0.0.2:9092'], topic: 'mail' },
    ] }, { S1: 'secret' });
    expect(hook).toMatchObject({ name: 'h', batchWaitMs: 10, concurrency: 3, maxAgeMs: 3_600_000, backoff: { initialMs: 2000 }, breaker: { failureThreshold: 7 }, filter: { types: ['Bounce'], tenants: ['acme'] } });
    expect(hook?.sink.target).toBe('https://hooks.example/x');
    expect(nats?.sink.target).toBe('nats://127.0.0.1:4222/mtakit.events');
    expect(amqp?.sink.target).not.toContain('u:p');
    expect(redis?.sink.target).toBe('redis://127.0.0.1:6379/mtakit:events');
    expect(kafka?.sink.target).toBe('kafka://10.0.0.1:9092,10.0.0.2:9092/mail');
  });

  it('refuses what it cannot honour, naming the key', () => {
    const one = (e: Record<string, unknown>, env = {}) => () => endpointsFromConfig({ endpoints: [{ name: 'x', ...e }] }, env);
    expect(one({ type: 'smtp' })).toThrow(/events.endpoints\[0\].type/);
    expect(one({ type: 'kafka', brokers: 'h:9092', partitions: 3 })).toThrow(/events.endpoints\[0\].partitions.*unknown key/);
    expect(one({ type: 'webhook', url: 'http://h/', retries: 3 })).toThrow(/events.endpoints\[0\].retries.*unknown key/);
    expect(one({ type: 'webhook', url: 'http://h/', events: ['Delivered'] })).toThrow(/not a record type/);
    expect(one({ type: 'webhook', url: 'http://h/', secrets_env: ['NOPE'] })).toThrow(/NOPE is not set/);
    expect(one({ type: 'webhook', url: 'http://h/', batch_wait: 'soon' })).toThrow(/batch_wait/);
    expect(one({ type: 'redis' })).toThrow(/events.endpoints\[0\].url/);
    expect(() => endpointsFromConfig({ endpoint: [] })).toThrow(/events.endpoint/);
    expect(journalSyncFromConfig({ endpoints: [], sync: 'fsync' })).toBe('fsync');
    expect(journalSyncFromConfig({ endpoints: [] })).toBeUndefined();
    expect(() => journalSyncFromConfig({ sync: 'always' })).toThrow(/events.sync.*write or fsync/);
  });
});
