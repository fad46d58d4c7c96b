import { afterAll, describe, expect, it } from 'vitest';
import { LOG_RECORD_TYPES } from '@mtakit/core';
import { eventJson, toEvent, type MtaEvent } from '../event.js';
import { brokers } from '../testing/brokers.js';
import { testRecord } from '../testing/records.js';
import { AmqpSink } from './amqp.js';
import { NatsSink } from './nats.js';
import { RedisStreamSink } from './redis-streams.js';

// One event of every record type, for two tenants.
const events: MtaEvent[] = LOG_RECORD_TYPES.flatMap((type, i) => [toEvent(testRecord(i + 1, type, 'acme')), toEvent(testRecord(i + 100, type, 'beta'))]);
interface Running { port: number; stop(): Promise<void> }
const servers: Running[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

function withBroker(name: keyof typeof brokers, install: string) {
  const starting = brokers[name]();
  if (!starting) console.warn(`skipping the ${name} sink test: ${install} is not installed (apt-get install ${install}; .ci/run does it)`);
  return {
    it: starting ? it : it.skip,
    server: async () => {
      const s = await (starting as Promise<Running>);
      servers.push(s);
      return s;
    },
  };
}

describe('Redis Streams sink against a real redis-server', () => {
  const b = withBroker('redis', 'redis-server');
  b.it('appends every event type with its id, type and tenant', async () => {
    const server = await b.server();
    const sink = new RedisStreamSink({ url: `redis://127.0.0.1:${server.port}`, stream: 'events' });
    // The batch goes as one argument of length-prefixed fields: a multi-byte tenant must not shift them.
    const sent = [...events, toEvent(testRecord(999, 'Delivery', 'tenänt-✓'))];
    await sink.send(sent);
    const { Redis } = await import('ioredis');
    const client = new Redis(`redis://127.0.0.1:${server.port}`);
    const entries = await client.xrange('events', '-', '+');
    client.disconnect();
    await sink.close();
    const got = entries.map(([, fields]) => Object.fromEntries(chunk(fields)) as Record<string, string>);
    expect(got.map((f) => f.event_id)).toEqual(sent.map((e) => e.event_id));
    expect(got.map((f) => f.tenant)).toEqual(sent.map((e) => e.tenant ?? ''));
    expect(got.map((f) => f.data)).toEqual(sent.map((e) => eventJson(e)));
    expect(new Set(got.map((f) => f.type))).toEqual(new Set(LOG_RECORD_TYPES));
    expect(JSON.parse(got[0]?.data ?? '{}').record.id).toBe(events[0]?.record.id);
  });

  b.it('fails the batch (for the dispatcher to retry) when the server is gone, without hanging', async () => {
    const server = await b.server();
    const sink = new RedisStreamSink({ url: `redis://127.0.0.1:${server.port}`, timeoutMs: 500 });
    await sink.send(events.slice(0, 1));
    await server.stop();
    const started = Date.now();
    await expect(sink.send(events.slice(0, 1))).rejects.toThrow(/redis/);
    expect(Date.now() - started).toBeLessThan(5_000);
    await sink.close();
  });
});

describe('NATS JetStream sink against a real nats-server', () => {
  const b = withBroker('nats', 'nats-server');
  b.it('stores every event type on subjects by tenant and type, deduplicating resends by event id', async () => {
    const server = await b.server();
    const sink = new NatsSink({ servers: `127.0.0.1:${server.port}` });
    await sink.send(events);
    await sink.send(events.slice(0, 3));
    const { connect } = await import('nats');
    const nc = await connect({ servers: `127.0.0.1:${server.port}` });
    const info = await (await nc.jetstreamManager()).streams.info('MTAKIT_EVENTS');
    expect(info.state.messages).toBe(events.length);
    const consumer = await nc.jetstream().consumers.get('MTAKIT_EVENTS');
    const seen: Array<{ subject: string; id: string }> = [];
    const messages = await consumer.fetch({ max_messages: events.length, expires: 2000 });
    for await (const m of messages) {
      seen.push({ subject: m.subject, id: (m.json() as MtaEvent).event_id });
      if (seen.length === events.length) break;
    }
    await nc.close();
    await sink.close();
    expect(seen.map((s) => s.id)).toEqual(events.map((e) => e.event_id));
    expect(seen[0]?.subject).toBe(`mtakit.events.acme.${events[0]?.type}`);
  });
});

describe('RabbitMQ sink against a real rabbitmq-server', () => {
  const b = withBroker('rabbitmq', 'rabbitmq-server');
  b.it('publishes every event type, confirmed, routed by tenant and type', async () => {
    const server = await b.server();
    const url = `amqp://guest:guest@127.0.0.1:${server.port}`;
    const amqp = await import('amqplib');
    const conn = await amqp.connect(url);
    const ch = await conn.createChannel();
    await ch.assertExchange('mtakit.events', 'topic', { durable: true });
    const { queue } = await ch.assertQueue('', { exclusive: true });
    await ch.bindQueue(queue, 'mtakit.events', '#');
    const sink = new AmqpSink({ url });
    await sink.send(events);
    const got: Array<{ key: string; id: string | undefined }> = [];
    for (let i = 0; i < 200 && got.length < events.length; i++) {
      const m = await ch.get(queue, { noAck: true });
      if (m) got.push({ key: m.fields.routingKey, id: m.properties.messageId as string | undefined });
      else await new Promise((r) => setTimeout(r, 25));
    }
    await conn.close();
    await sink.close();
    expect(got.map((g) => g.id)).toEqual(events.map((e) => e.event_id));
    expect(got[1]?.key).toBe(`beta.${events[1]?.type}`);
  }, 90_000);
});

function chunk(fields: string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < fields.length; i += 2) pairs.push([fields[i] as string, fields[i + 1] as string]);
  return pairs;
}
