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

describe('LogBus.publishAll', () => {
  const records = ['a', 'b', 'c'].map((k) => ({ ...record, id: k.repeat(32) }));

  it('hands every record to the consumers in order and resolves at once when they are synchronous', async () => {
    const bus = new LogBus();
    const seen: string[] = [];
    bus.subscribe((r) => void seen.push(`1:${r.id[0]}`));
    bus.subscribe((r) => void seen.push(`2:${r.id[0]}`));
    const errors: string[] = [];
    expect(bus.publishAll(records, (r) => errors.push(r.id))).toBeUndefined();
    expect(seen).toEqual(['1:a', '2:a', '1:b', '2:b', '1:c', '2:c']);
    expect(errors).toEqual([]);
  });

  it('resolves once every asynchronous consumer has taken every record', async () => {
    const bus = new LogBus();
    const waiting = records.map(deferred);
    let n = 0;
    bus.subscribe(() => (waiting[n++] as ReturnType<typeof deferred>).consumer());
    let done = false;
    const published = bus.publishAll(records, () => undefined)?.then(() => (done = true));
    expect(published).toBeDefined();
    for (const w of waiting) {
      await new Promise((r) => setImmediate(r));
      expect(done).toBe(false);
      w.settle();
    }
    await published;
    expect(done).toBe(true);
  });

  it('reports each record a consumer throws or rejects on, and still publishes the rest', async () => {
    const bus = new LogBus();
    const seen: string[] = [];
    bus.subscribe((r) => {
      if (r.id[0] === 'a') throw new Error('sync');
      if (r.id[0] === 'c') return Promise.reject(new Error('async'));
      return undefined;
    });
    bus.subscribe((r) => void seen.push(r.id[0] as string));
    const errors: string[] = [];
    await bus.publishAll(records, (r, e) => errors.push(`${r.id[0]}:${(e as Error).message}`));
    expect(errors).toEqual(['a:sync', 'c:async']);
    // As with publish, the consumers after one that throws do not get that record.
    expect(seen).toEqual(['b', 'c']);
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
