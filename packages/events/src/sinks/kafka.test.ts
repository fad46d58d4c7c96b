import { describe, expect, it } from 'vitest';
import { hasErrorBrand } from '@mtakit/core';
import { toEvent } from '../event.js';
import { testRecord } from '../testing/records.js';
import { KafkaSink, type KafkaProducer } from './kafka.js';

// No Kafka broker is installable on mtakit's test machines (no Debian package): this checks the
// sink against a fake producer with kafkajs's Producer interface, not against Kafka.
function fakeProducer(failures: Array<Error & { type?: string }> = []): KafkaProducer & { sent: Parameters<KafkaProducer['send']>[0][]; connected: number; disconnected: number } {
  const fake = {
    sent: [] as Parameters<KafkaProducer['send']>[0][], connected: 0, disconnected: 0,
    connect: async () => void (fake.connected += 1),
    disconnect: async () => void (fake.disconnected += 1),
    send: async (record: Parameters<KafkaProducer['send']>[0]) => {
      const failure = failures.shift();
      if (failure) throw failure;
      fake.sent.push(record);
      return [];
    },
  };
  return fake;
}

describe('Kafka sink (fake producer: no Kafka broker here)', () => {
  it('sends a batch in one request, keyed by message id, with the event id, type and tenant as headers', async () => {
    const producer = fakeProducer();
    const sink = new KafkaSink({ brokers: ['127.0.0.1:9092'], topic: 'mail-events', producer: () => producer });
    const events = [toEvent(testRecord(1, 'Reception')), toEvent(testRecord(1, 'Delivery')), toEvent(testRecord(2, 'Bounce', 'beta'))];
    await sink.send(events);
    expect(sink.target).toBe('kafka://127.0.0.1:9092/mail-events');
    expect(producer.sent).toHaveLength(1);
    const [record] = producer.sent;
    expect(record).toMatchObject({ topic: 'mail-events', acks: -1 });
    expect(record?.messages.map((m) => m.key)).toEqual([testRecord(1).id, testRecord(1).id, testRecord(2).id]);
    expect(record?.messages[2]?.headers).toEqual({ event_id: events[2]?.event_id, type: 'Bounce', tenant: 'beta' });
    expect(JSON.parse(record?.messages[0]?.value ?? '{}')).toMatchObject({ event_id: events[0]?.event_id, type: 'Reception', record: { id: testRecord(1).id } });
    await sink.close();
    expect([producer.connected, producer.disconnected]).toEqual([1, 1]);
  });

  it('fails a batch as retryable, or as permanent when resending cannot help', async () => {
    const producer = fakeProducer([Object.assign(new Error('leader not available'), { type: 'LEADER_NOT_AVAILABLE' }), Object.assign(new Error('too big'), { type: 'MESSAGE_TOO_LARGE' })]);
    const sink = new KafkaSink({ brokers: ['127.0.0.1:9092'], producer: () => producer });
    const failure = (p: Promise<void>) => p.then(() => undefined, (e: unknown) => e as { permanent?: boolean });
    const first = await failure(sink.send([toEvent(testRecord(1))]));
    expect(hasErrorBrand(first, 'mtakit.SinkError') && first?.permanent).toBe(false);
    const second = await failure(sink.send([toEvent(testRecord(1))]));
    expect(second?.permanent).toBe(true);
    await sink.send([toEvent(testRecord(1))]);
    expect(producer.sent).toHaveLength(1);
  });

  it('without kafkajs installed, says which package to install', async () => {
    const installed = await import('kafkajs' as string).then(() => true, () => false);
    if (installed) return;
    const sink = new KafkaSink({ brokers: ['127.0.0.1:9092'] });
    await expect(sink.send([toEvent(testRecord(1))])).rejects.toThrow(/npm install kafkajs/);
  });
});
