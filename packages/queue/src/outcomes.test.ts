import { internalResponse, LogBus, Message, resolveQueueConfig, type LogRecord } from '@mtakit/core';
import { FakeTimers } from '@mtakit/core/testing';
import { describe, expect, it } from 'vitest';
import { Outcomes } from './outcomes.js';
import { MemorySpool } from './spool/memory-spool.js';

function setup(failLogs = 0) {
  const timers = new FakeTimers();
  const spool = new MemorySpool();
  const log = new LogBus();
  const records: LogRecord[] = [];
  let failures = failLogs;
  log.subscribe(async (r) => {
    if (failures-- > 0) throw Object.assign(new Error('ENOSPC: no space left'), { code: 'ENOSPC' });
    records.push(r);
  });
  const rescheduled: Array<{ queue: string; id: string; due: number }> = [];
  const faults: string[] = [];
  const outcomes = new Outcomes({
    spool, log, policy: {}, clock: timers.clock, nodeId: 'n', metrics: undefined, classify: undefined, random: () => 0.5, timers,
    report: (kind, message) => faults.push(`${kind}: ${message}`), isStopping: () => false,
    queueConfig: async () => resolveQueueConfig({ retry_interval: '20m', max_age: '1d' }, 'test'),
    reschedule: (queue, message, due) => rescheduled.push({ queue, id: message.id, due }),
  });
  return { timers, spool, records, rescheduled, faults, outcomes };
}

const message = () => new Message({ sender: 's@example.com', recipient: 'r@dest.test', data: Buffer.from('Subject: x\r\n\r\nx\r\n') });

describe('Outcomes (fake clock)', () => {
  it('a 4xx counts the attempt, logs it and reschedules by the retry schedule', async () => {
    const h = setup();
    const m = message();
    await h.spool.store(m);
    await h.outcomes.handle(m, { response: internalResponse(451, '4.3.0', 'later') }, { queue: 'q@dest.test' });
    expect(h.records.map((r) => r.type)).toEqual(['TransientFailure']);
    expect(h.rescheduled).toHaveLength(1);
    expect(h.rescheduled[0]!.due - h.timers.clock.now()).toBeGreaterThanOrEqual(10 * 60_000);
    expect((await h.spool.load(m.id)).numAttempts).toBe(1);
  });

  it('a delivery leaves the spool only after its record is written, retrying the log meanwhile', async () => {
    const h = setup(2);
    const m = message();
    await h.spool.store(m);
    const done = h.outcomes.handle(m, { response: { code: 250, enhanced_code: null, content: 'ok', command: null } }, { queue: 'q@dest.test' });
    for (let i = 0; i < 10 && h.records.length === 0; i++) {
      await new Promise((r) => setImmediate(r));
      // Not logged yet: still in the spool.
      if (h.records.length === 0) expect(h.spool.size).toBe(1);
      h.timers.advance(1000);
    }
    await done;
    expect(h.records.map((r) => r.type)).toEqual(['Delivery']);
    expect(h.spool.size).toBe(0);
    expect(h.faults).toHaveLength(2);
  });

  it('a 5xx bounces: Bounce record, then removed', async () => {
    const h = setup();
    const m = message();
    await h.spool.store(m);
    await h.outcomes.handle(m, { response: internalResponse(550, '5.1.1', 'no such user') }, { queue: 'q@dest.test' });
    expect(h.records.map((r) => r.type)).toEqual(['Bounce']);
    expect(h.spool.size).toBe(0);
  });
});
