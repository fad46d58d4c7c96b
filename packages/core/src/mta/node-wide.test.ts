import { describe, expect, it } from 'vitest';
import { mergeAnswers, mergeBodies } from './node-wide.js';

describe('node-wide answers', () => {
  it('adds the queues several workers hold, joins the rest, and keeps one admin entry per id with its counts added', () => {
    const a = { scheduled: [{ name: 'example.com', count: 3, nextDue: null }], ready: [{ name: 'r1', count: 1, connections: 2, pausedUntil: null }] };
    const b = { scheduled: [{ name: 'example.com', count: 4, nextDue: '2026-12-03T00:00:00.000Z' }, { name: 'other.net', count: 1, nextDue: null }], ready: [] };
    expect(mergeBodies(a, b)).toEqual({
      scheduled: [{ name: 'example.com', count: 7, nextDue: '2026-12-03T00:00:00.000Z' }, { name: 'other.net', count: 1, nextDue: null }],
      ready: [{ name: 'r1', count: 1, connections: 2, pausedUntil: null }],
    });
    const entry = (bounced: number, expires: number) => ({ id: 'x', reason: 'r', duration: 10, expires, bounced: { q: bounced }, total_bounced: bounced });
    expect(mergeBodies([entry(2, 1000)], [entry(5, 1001)])).toEqual([{ id: 'x', reason: 'r', duration: 10, expires: 1000, bounced: { q: 7 }, total_bounced: 7 }]);
  });

  it('shows a suppression entry every worker holds once, and a change every worker made once', () => {
    const s = (created: number) => ({ recipient: 'a@x.test', tenant: '', reason: 'manual', created });
    expect(mergeBodies({ entries: [s(1)], next: null }, { entries: [s(2), { ...s(3), recipient: 'b@x.test' }], next: null })).toEqual({ entries: [s(1), { ...s(3), recipient: 'b@x.test' }], next: null });
    expect(mergeBodies({ added: 2 }, { added: 2 })).toEqual({ added: 2 });
  });

  it('answers with the first success: a message only one worker holds is found, not 404', () => {
    const found = { status: 200, body: { id: 'm1' } };
    expect(mergeAnswers([{ status: 404, body: { error: 'no' } }, found])).toEqual(found);
    expect(mergeAnswers([{ status: 404, body: { error: 'no' } }, { status: 404, body: { error: 'no' } }]).status).toBe(404);
    expect(mergeAnswers([{ status: 200, body: { rebound: 2 } }, { status: 200, body: { rebound: 3 } }])).toEqual({ status: 200, body: { rebound: 5 } });
  });
});
