import type { PreSendResult } from '@mtakit/core';
import { describe, expect, it } from 'vitest';
import { preSendLogRecord, tenantOfRecord } from './log-record.js';
import { createHoldOverride, holdOverrideJson } from './override.js';
import { context, FakeClock, mail } from './test-support.js';

const held: PreSendResult = {
  verdict: 'hold',
  score: 72,
  threshold: 65,
  breakdown: {
    links: { score: 85, weight: 0.9, reasons: ['URL shorteners: bit.ly (+25)', 'links to IP addresses: 203.0.113.7 (+40)'] },
    subject: { score: 10, weight: 0.75, reasons: ['spam phrases in the subject: "winner" (+10)'] },
    content: { score: 0, weight: 0.85, reasons: [] },
  },
  actions: ['Link to a named domain, not an IP address.'],
  skipped: { reputation_drift: 'failed: store down' },
  extra: { elapsed_ms: 0.42, cached: ['links'] },
};

describe('preSendLogRecord', () => {
  it('records the verdict, score and breakdown of a scored message', () => {
    const clock = new FakeClock(Date.UTC(2026, 2, 3, 10, 0, 5));
    const message = mail({ recipient: 'ann@example.net', meta: { tenant: 'acme', campaign: 'spring' } });
    const record = preSendLogRecord(held, message, context(), { clock, nodeid: 'node-1' });
    expect(record).toMatchObject({
      type: 'PreSendVerdict',
      id: message.id,
      sender: 'bounces@acme.example',
      recipient: 'ann@example.net',
      queue: 'spring:acme@example.net',
      size: message.size,
      timestamp: Math.floor(clock.now() / 1000),
      event_time: '2026-03-03T10:00:05.000Z',
      reception_protocol: 'ESMTP',
      nodeid: 'node-1',
      meta: { tenant: 'acme', campaign: 'spring' },
      response: { code: 250, enhanced_code: null },
    });
    expect(record.response.content).toContain('pre-send hold: risk score 72, threshold 65');
    expect(record.extra).toEqual({
      elapsed_ms: 0.42,
      cached: ['links'],
      verdict: 'hold',
      score: 72,
      threshold: 65,
      breakdown: held.breakdown,
      actions: held.actions,
      skipped: held.skipped,
    });
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
  });

  it('carries the 550 5.7.1 of a reject', () => {
    const record = preSendLogRecord({ ...held, verdict: 'reject', score: 95 }, mail(), context());
    expect(record.response).toMatchObject({ code: 550, enhanced_code: { class: 5, subject: 7, detail: 1 } });
  });

  it('finds the tenant of a record in its meta or queue name', () => {
    const r = preSendLogRecord(held, mail({ meta: { tenant: 'acme' } }), context());
    expect(tenantOfRecord(r)).toBe('acme');
    expect(tenantOfRecord({ ...r, meta: {}, queue: 'c:globex@example.net' })).toBe('globex');
    expect(tenantOfRecord({ ...r, meta: {}, queue: 'example.net' })).toBe('');
  });
});

describe('HoldOverride', () => {
  it('records who acknowledged which risks, as JSON the admin API can store and log', () => {
    const o = createHoldOverride(held, { tenant: 'acme', campaign: 'spring', acknowledgedBy: 'ops@acme.example', at: 1_772_532_005_000, messageIds: ['a'], note: 'partner links', expiresAt: 1_772_618_405_000 });
    expect(o).toMatchObject({ tenant: 'acme', campaign: 'spring', action: 'release', acknowledgedBy: 'ops@acme.example', score: 72, threshold: 65, messageIds: ['a'] });
    expect(o.id).toMatch(/^[0-9a-f-]{36}$/);
    // Only the links risk contributes 15 points or more on its own (0.9 × 85); subject (0.75 × 10) does not.
    expect(o.risks).toEqual([{ dimension: 'links', score: 85, reasons: held.breakdown.links?.reasons }]);
    const json = holdOverrideJson(o);
    expect(JSON.parse(JSON.stringify(json))).toEqual({ ...o });
  });

  it('acknowledges every scored dimension when none stands out', () => {
    const diffuse: PreSendResult = { ...held, breakdown: { a: { score: 15, weight: 0.5, reasons: ['x'] }, b: { score: 0, weight: 1, reasons: [] }, c: { score: 20, weight: 0.6, reasons: ['y'] } } };
    expect(createHoldOverride(diffuse, { tenant: 't', acknowledgedBy: 'ops', at: 0 }).risks.map((r) => r.dimension)).toEqual(['c', 'a']);
  });
});
