import type { PreSendResult } from '@mtakit/core';
import { describe, expect, it } from 'vitest';
import { overrideLogRecord, preSendLogRecord, tenantOfRecord } from './log-record.js';
import { createHoldOverride, heldResultFromJson, heldResultJson, holdOverrideFromJson, holdOverrideJson } from './override.js';
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
    expect(holdOverrideFromJson(JSON.parse(JSON.stringify(json)))).toEqual(o);
    expect(holdOverrideFromJson({ ...json, action: 'forget' })).toBeUndefined();
    expect(holdOverrideFromJson({ ...json, risks: [{ dimension: 'links' }] })).toBeUndefined();
    expect(holdOverrideFromJson({ ...json, expiresAt: 'tomorrow' })).toBeUndefined();
  });

  it('acknowledges every scored dimension when none stands out', () => {
    const diffuse: PreSendResult = { ...held, breakdown: { a: { score: 15, weight: 0.5, reasons: ['x'] }, b: { score: 0, weight: 1, reasons: [] }, c: { score: 20, weight: 0.6, reasons: ['y'] } } };
    expect(createHoldOverride(diffuse, { tenant: 't', acknowledgedBy: 'ops', at: 0 }).risks.map((r) => r.dimension)).toEqual(['c', 'a']);
  });

  it('merges the risks of several held messages, each dimension at its highest score', () => {
    const other: PreSendResult = {
      ...held, score: 80,
      breakdown: { links: { score: 40, weight: 0.9, reasons: ['links to IP addresses: 203.0.113.7 (+40)'] }, list_freshness: { score: 55, weight: 0.5, reasons: ['imported list'] } },
    };
    const o = createHoldOverride([held, other], { tenant: 'acme', campaign: 'spring', acknowledgedBy: 'ops', at: 0 });
    expect(o.risks).toEqual([
      { dimension: 'links', score: 85, reasons: held.breakdown.links?.reasons },
      { dimension: 'list_freshness', score: 55, reasons: ['imported list'] },
    ]);
    expect(o).toMatchObject({ score: 80, threshold: 65 });
    expect(() => createHoldOverride([], { tenant: 'acme', acknowledgedBy: 'ops', at: 0 })).toThrow(/at least one held result/);
    expect(() => createHoldOverride([held, { ...held, verdict: 'flag' }], { tenant: 'acme', acknowledgedBy: 'ops', at: 0 })).toThrow(/verdict is flag/);
  });

  it('keeps what an override needs of a held result in JSON meta and reads it back', () => {
    const json = heldResultJson(held);
    expect(Object.keys(json.breakdown as object)).toEqual(['links', 'subject']); // unscored dimensions are left out
    const back = heldResultFromJson(JSON.parse(JSON.stringify(json)));
    expect(back).toMatchObject({ verdict: 'hold', score: 72, threshold: 65 });
    expect(createHoldOverride(back!, { tenant: 'acme', acknowledgedBy: 'ops', at: 0 }).risks).toEqual(createHoldOverride(held, { tenant: 'acme', acknowledgedBy: 'ops', at: 0 }).risks);
    expect(heldResultFromJson({ score: 72, threshold: 65, breakdown: { links: { score: 'high' } } })).toBeUndefined();
    expect(heldResultFromJson('hold')).toBeUndefined();
    expect(heldResultFromJson(undefined)).toBeUndefined();
  });

  it('logs a release as a PreSendVerdict record naming who acknowledged which risks', () => {
    const clock = new FakeClock(Date.UTC(2026, 2, 3, 11, 0, 0));
    const message = mail({ recipient: 'ann@example.net', meta: { tenant: 'acme', campaign: 'spring', reception_protocol: 'HTTP' } });
    const o = createHoldOverride(held, { tenant: 'acme', campaign: 'spring', acknowledgedBy: 'ops@acme.example', at: clock.now(), messageIds: [message.id], note: 'partner links' });
    const record = overrideLogRecord(o, message, { clock, nodeid: 'node-1' });
    expect(record).toMatchObject({ type: 'PreSendVerdict', id: message.id, queue: 'spring:acme@example.net', reception_protocol: 'HTTP', nodeid: 'node-1', response: { code: 250 } });
    expect(record.response.content).toContain(`pre-send hold released by ops@acme.example (override ${o.id}); acknowledged risks: links`);
    const { messageIds: _ids, ...decision } = o;
    expect(record.extra).toEqual({ action: 'release', override: decision });
  });
});
