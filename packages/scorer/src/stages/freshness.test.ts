import type { LogRecord } from '@mtakit/core';
import { describe, expect, it } from 'vitest';
import { MemoryFreshnessStore } from '../freshness-store.js';
import { context, mail, pointsFor, runAndObserve, runStage } from '../test-support.js';
import { freshnessStage } from './freshness.js';

const NOW = Date.UTC(2026, 2, 3, 10);
const DAY = 86_400_000;

describe('list-freshness stage', () => {
  it('gives a recently engaged recipient nothing', async () => {
    const store = new MemoryFreshnessStore();
    store.recordSend('acme', 'ann@example.net', NOW - 30 * DAY);
    store.recordEngagement('acme', 'ann@example.net', NOW - 10 * DAY);
    const outcome = await runStage(freshnessStage({ store }), mail({ recipient: 'Ann@Example.net' }), context(), NOW);
    expect(outcome.score).toBe(0);
  });

  it('gives a recipient sent to before, with no engagement data, nothing', async () => {
    const store = new MemoryFreshnessStore();
    store.recordSend('acme', 'ann@example.net', NOW - 400 * DAY);
    expect((await runStage(freshnessStage({ store }), mail({ recipient: 'ann@example.net' }), context(), NOW)).score).toBe(0);
  });

  it('flags a recipient never sent to before, per tenant', async () => {
    const store = new MemoryFreshnessStore();
    store.recordSend('other-tenant', 'ann@example.net', NOW - DAY);
    const outcome = await runStage(freshnessStage({ store }), mail({ recipient: 'ann@example.net' }), context(), NOW);
    expect(pointsFor(outcome, /never sent to before/)).toBe(30);
  });

  it('flags a recipient whose last engagement is older than staleAfter', async () => {
    const store = new MemoryFreshnessStore();
    store.recordSend('acme', 'ann@example.net', NOW - 10 * DAY);
    store.recordEngagement('acme', 'ann@example.net', NOW - 200 * DAY);
    const outcome = await runStage(freshnessStage({ store }), mail({ recipient: 'ann@example.net' }), context(), NOW);
    expect(pointsFor(outcome, /last engaged 200 days ago/)).toBe(25);
    const lenient = freshnessStage({ store, staleAfterMs: 365 * DAY });
    expect((await runStage(lenient, mail({ recipient: 'ann@example.net' }), context(), NOW)).score).toBe(0);
  });

  it('flags a campaign whose recipients are mostly unknown, once it has a sample', async () => {
    const store = new MemoryFreshnessStore();
    for (let i = 0; i < 100; i++) store.recordSend('acme', `known${i}@example.net`, NOW - DAY);
    const stage = freshnessStage({ store, minCampaignSample: 50 });
    // An imported list: 60 of the first 80 recipients are new.
    for (let i = 0; i < 80; i++) await runAndObserve(stage, mail({ recipient: i % 4 === 0 ? `known${i}@example.net` : `new${i}@example.net` }), context(), NOW);
    const outcome = await runStage(stage, mail({ recipient: 'known99@example.net' }), context(), NOW);
    expect(pointsFor(outcome, /75% of the 80 recipients of this campaign/)).toBe(55);
    // Another campaign of the same tenant is judged on its own recipients.
    expect((await runStage(stage, mail({ recipient: 'known98@example.net' }), context('acme', 'autumn'), NOW)).score).toBe(0);
  });

  it('keeps a mostly-known campaign clean', async () => {
    const store = new MemoryFreshnessStore();
    for (let i = 0; i < 100; i++) store.recordSend('acme', `known${i}@example.net`, NOW - DAY);
    const stage = freshnessStage({ store });
    for (let i = 0; i < 100; i++) await runAndObserve(stage, mail({ recipient: i % 10 === 0 ? `new${i}@example.net` : `known${i}@example.net` }), context(), NOW);
    expect((await runStage(stage, mail({ recipient: 'known1@example.net' }), context(), NOW)).score).toBe(0);
  });

  it('accepts an asynchronous store', async () => {
    const stage = freshnessStage({ store: { get: async () => ({ lastSentAt: NOW - DAY, lastEngagedAt: NOW - DAY }) } });
    expect((await runStage(stage, mail(), context(), NOW)).score).toBe(0);
  });

  it('MemoryFreshnessStore learns sends from Delivery records only', () => {
    const store = new MemoryFreshnessStore();
    const at = Math.floor(NOW / 1000);
    store.consume({ type: 'Delivery', recipient: 'a@example.net', meta: { tenant: 'acme' }, queue: '', timestamp: at } as unknown as LogRecord);
    store.consume({ type: 'Bounce', recipient: 'b@example.net', meta: { tenant: 'acme' }, queue: '', timestamp: at } as unknown as LogRecord);
    expect(store.get('acme', 'a@example.net')).toEqual({ firstSentAt: at * 1000, lastSentAt: at * 1000 });
    expect(store.get('acme', 'b@example.net')).toBeUndefined();
  });

  it('MemoryFreshnessStore is bounded: past maxEntries the least recently used recipients go (what keeps a soak flat)', () => {
    const store = new MemoryFreshnessStore({ maxEntries: 1_000 });
    const at = Math.floor(NOW / 1000);
    const deliver = (i: number) => store.consume({ type: 'Delivery', recipient: `r${i}@example.net`, meta: { tenant: 'acme' }, queue: '', timestamp: at } as unknown as LogRecord);
    for (let i = 0; i < 1_000; i++) deliver(i);
    for (let i = 1_000; i < 5_000; i++) deliver(i);
    const kept = Array.from({ length: 5_000 }, (_, i) => store.get('acme', `r${i}@example.net`)).filter(Boolean).length;
    expect(kept).toBe(1_000);
    expect(store.get('acme', 'r0@example.net')).toBeUndefined();
    expect(store.get('acme', 'r4999@example.net')).toBeDefined();
  });
});
