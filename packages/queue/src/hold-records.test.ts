import { internalResponse, LogBus, Message, spoolRecordOf, type LogRecord } from '@mtakit/core';
import { FakeClock } from '@mtakit/core/testing';
import { describe, expect, it } from 'vitest';
import { HoldRecords } from './hold-records.js';

describe('HoldRecords (fake clock)', () => {
  it('logs one TransientFailure per message per state', async () => {
    const clock = new FakeClock();
    const log = new LogBus();
    const records: LogRecord[] = [];
    log.subscribe((r) => void records.push(r));
    const message = new Message({ sender: 's@example.com', recipient: 'r@dest.test', data: Buffer.from('Subject: x\r\n\r\nx\r\n') });
    const work: Array<Promise<unknown>> = [];
    const holds = new HoldRecords({ log, clock, nodeId: 'n', report: () => undefined, load: async (id) => (id === message.id ? { record: spoolRecordOf(message), size: message.size } : undefined), track: (w) => void work.push(w) });
    const suspended = internalResponse(451, '4.4.4', 'scheduled queue q is suspended: x');
    holds.held(message.id, 'q', 'suspended:1', suspended);
    clock.advance(60_000);
    holds.held(message.id, 'q', 'suspended:1', suspended);
    holds.held(message.id, 'q', 'throttled:max_message_rate 10/s', internalResponse(451, '4.4.5', 'throttled'));
    holds.held('gone', 'q', 'suspended:1', suspended);
    expect(holds.size).toBe(2);
    holds.moved(message.id);
    holds.held(message.id, 'q', 'suspended:1', suspended);
    holds.record(message.id, 'q', suspended);
    expect(holds.size).toBe(2);
    await Promise.all(work);
    // Built from the record alone (no data read), with the size the spool knows.
    expect(records.every((r) => r.size === message.size && r.recipient === 'r@dest.test')).toBe(true);
    expect(records.map((r) => [r.type, r.response.code, r.response.content])).toEqual([
      ['TransientFailure', 451, expect.stringContaining('suspended')],
      ['TransientFailure', 451, expect.stringContaining('throttled')],
      ['TransientFailure', 451, expect.stringContaining('suspended')],
      ['TransientFailure', 451, expect.stringContaining('suspended')],
    ]);
  });
});
