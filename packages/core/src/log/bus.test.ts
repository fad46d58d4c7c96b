import { describe, expect, it } from 'vitest';
import { LogBus } from './bus.js';
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
