import { describe, expect, it } from 'vitest';
import { forRecordTypes, LogBus } from './bus.js';
import { withLogRecordDefaults } from './record-defaults.js';
import { internalResponse, type LogRecord } from './records.js';

const record = withLogRecordDefaults({
  type: 'Reception', id: '0'.repeat(32), sender: 's@x.test', recipient: 'r@y.test', queue: 'y.test', site: '', size: 1,
  response: internalResponse(250, null, 'ok'), peer_address: null, timestamp: 0, event_time: '1970-01-01T00:00:00.000Z', created: 0,
  num_attempts: 0, bounce_classification: 'Uncategorized', meta: {}, reception_protocol: 'ESMTP', nodeid: '',
}) as LogRecord;

/** A consumer whose promise the test settles. */
function deferred() {
  let settle!: (error?: Error) => void;
  const promise = new Promise<void>((resolve, reject) => (settle = (error) => (error ? reject(error) : resolve())));
  return { consumer: () => promise, settle };
}

describe('LogBus.publish', () => {
  it('resolves at once without consumers or with synchronous ones only', async () => {
    const bus = new LogBus();
    await expect(bus.publish(record)).resolves.toBeUndefined();
    const seen: string[] = [];
    bus.subscribe((r) => void seen.push(r.type));
    await expect(bus.publish(record)).resolves.toBeUndefined();
    expect(seen).toEqual(['Reception']);
  });

  it('resolves once every asynchronous consumer has, one or several', async () => {
    for (const count of [1, 3]) {
      const bus = new LogBus();
      const consumers = Array.from({ length: count }, deferred);
      for (const c of consumers) bus.subscribe(c.consumer);
      let done = false;
      const published = bus.publish(record).then(() => (done = true));
      for (const c of consumers) {
        await new Promise((r) => setImmediate(r));
        expect(done).toBe(false);
        c.settle();
      }
      await published;
      expect(done).toBe(true);
    }
  });

  it('rejects when a consumer throws (the ones after it do not get the record) or rejects', async () => {
    const bus = new LogBus();
    const seen: string[] = [];
    bus.subscribe(() => {
      throw new Error('sync');
    });
    bus.subscribe((r) => void seen.push(r.id));
    await expect(bus.publish(record)).rejects.toThrow('sync');
    expect(seen).toEqual([]);
    const failing = new LogBus();
    const c = deferred();
    failing.subscribe(c.consumer);
    failing.subscribe(async () => undefined);
    const published = failing.publish(record);
    c.settle(new Error('async'));
    await expect(published).rejects.toThrow('async');
  });
});

describe('LogBus record types', () => {
  const of = (type: LogRecord['type']): LogRecord => ({ ...record, type });

  it('calls a consumer that names its record types for those only, others for every record, in subscription order', async () => {
    const bus = new LogBus();
    const seen: string[] = [];
    bus.subscribe((r) => void seen.push(`all:${r.type}`));
    const typed = forRecordTypes(['Delivery', 'Bounce'], (r) => void seen.push(`typed:${r.type}`));
    expect(typed.recordTypes).toEqual(['Delivery', 'Bounce']);
    bus.subscribe(typed);
    // A plain function with recordTypes (an embedder's own) is honoured the same way.
    bus.subscribe(Object.assign((r: LogRecord) => void seen.push(`own:${r.type}`), { recordTypes: ['Reception'] as const }));
    for (const type of ['Reception', 'Delivery', 'PreSendVerdict', 'Bounce', 'Delivery'] as const) await bus.publish(of(type));
    expect(seen).toEqual([
      'all:Reception', 'own:Reception', 'all:Delivery', 'typed:Delivery', 'all:PreSendVerdict', 'all:Bounce', 'typed:Bounce', 'all:Delivery', 'typed:Delivery',
    ]);
  });

  it('waits for a typed consumer\'s promise, and stops calling it once unsubscribed', async () => {
    const bus = new LogBus();
    const c = deferred();
    const unsubscribe = bus.subscribe(forRecordTypes(['Reception'], c.consumer));
    let done = false;
    const published = bus.publish(record).then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    c.settle();
    await published;
    let calls = 0;
    bus.subscribe(forRecordTypes(['Reception'], () => void calls++));
    unsubscribe();
    await bus.publish(record);
    await bus.publish(of('Delivery'));
    expect(calls).toBe(1);
  });
});
