import { deepStrictEqual, strictEqual } from 'node:assert/strict';
import type { SuppressionEntry } from './entry.js';
import type { SuppressionStore } from './store.js';

/** How a contract check reads and moves time for the store under test. */
export interface ContractClock {
  now(): number;
  /** Lets `ms` pass for the store (a fake clock's advance, or a real wait). */
  advance(ms: number): Promise<void>;
}

export interface ContractCheck {
  name: string;
  run(store: SuppressionStore, clock: ContractClock): Promise<void>;
}

/**
 * The behaviour every `SuppressionStore` must have, as checks that throw (node:assert) on a
 * mismatch. Run each against a fresh, empty store: the embedded stores and the Redis store are
 * tested with it, and so can any other implementation.
 */
export const SUPPRESSION_STORE_CONTRACT: readonly ContractCheck[] = [
  {
    name: 'a tenant entry blocks that tenant only; a global entry blocks everyone; the tenant entry is found first',
    async run(store, clock) {
      await store.put([entry(clock, 'a@example.com', 'acme', { reason: 'complaint' })]);
      strictEqual((await store.check('a@example.com', 'acme'))?.reason, 'complaint');
      strictEqual(await store.check('a@example.com', 'globex'), undefined);
      strictEqual(await store.check('a@example.com'), undefined);
      await store.put([entry(clock, 'a@example.com', null)]);
      strictEqual((await store.check('a@example.com', 'globex'))?.tenant, null);
      strictEqual((await store.check('a@example.com', 'acme'))?.tenant, 'acme');
      strictEqual((await store.check('a@example.com'))?.reason, 'bounce');
    },
  },
  {
    name: 'put replaces the entry of the same recipient and scope; get reads one scope exactly',
    async run(store, clock) {
      await store.put([entry(clock, 'b@example.com', null, { note: 'first' })]);
      await store.put([entry(clock, 'b@example.com', null, { note: 'second' })]);
      strictEqual((await store.get({ recipient: 'b@example.com', tenant: null }))?.note, 'second');
      strictEqual(await store.get({ recipient: 'b@example.com', tenant: 'acme' }), undefined);
      deepStrictEqual((await collect(store)).map((e) => e.note), ['second']);
    },
  },
  {
    name: 'remove deletes and counts only what existed',
    async run(store, clock) {
      await store.put([entry(clock, 'c@example.com', null), entry(clock, 'c@example.com', 'acme')]);
      strictEqual(await store.remove([{ recipient: 'c@example.com', tenant: 'acme' }, { recipient: 'zz@example.com', tenant: null }]), 1);
      strictEqual((await store.check('c@example.com', 'acme'))?.tenant, null);
      strictEqual(await store.remove([{ recipient: 'c@example.com', tenant: null }]), 1);
      strictEqual(await store.check('c@example.com', 'acme'), undefined);
    },
  },
  {
    name: 'expired entries are never returned',
    async run(store, clock) {
      await store.put([entry(clock, 'd@example.com', null, { expires: clock.now() + 300 }), entry(clock, 'e@example.com', null)]);
      strictEqual((await store.check('d@example.com'))?.recipient, 'd@example.com');
      await clock.advance(400);
      strictEqual(await store.check('d@example.com'), undefined);
      strictEqual(await store.get({ recipient: 'd@example.com', tenant: null }), undefined);
      deepStrictEqual((await collect(store)).map((e) => e.recipient), ['e@example.com']);
    },
  },
  {
    name: 'entries() filters by scope, recipient and reason',
    async run(store, clock) {
      await store.put([
        entry(clock, 'f@example.com', null),
        entry(clock, 'f@example.com', 'acme', { reason: 'unsubscribe' }),
        entry(clock, 'g@example.com', 'acme', { reason: 'complaint' }),
        entry(clock, 'h@example.com', 'globex'),
      ]);
      deepStrictEqual(keys(await collect(store, { tenant: 'acme' })), ['acme f@example.com', 'acme g@example.com']);
      deepStrictEqual(keys(await collect(store, { tenant: null })), [' f@example.com']);
      deepStrictEqual(keys(await collect(store, { recipient: 'f@example.com' })), [' f@example.com', 'acme f@example.com']);
      deepStrictEqual(keys(await collect(store, { reason: 'complaint' })), ['acme g@example.com']);
      deepStrictEqual(keys(await collect(store, { recipient: 'f@example.com', tenant: 'acme' })), ['acme f@example.com']);
      strictEqual((await collect(store)).length, 4);
    },
  },
  {
    name: 'soft bounces count distinct messages within the window, per scope',
    async run(store, clock) {
      const key = { recipient: 's@example.com', tenant: null };
      const t = clock.now();
      strictEqual(await store.countSoftBounce(key, 'm1', t, 1000), 1);
      strictEqual(await store.countSoftBounce(key, 'm1', t + 10, 1000), 1);
      strictEqual(await store.countSoftBounce(key, 'm2', t + 20, 1000), 2);
      strictEqual(await store.countSoftBounce({ ...key, tenant: 'acme' }, 'm3', t + 30, 1000), 1);
      strictEqual(await store.countSoftBounce(key, 'm3', t + 1015, 1000), 2);
    },
  },
];

function entry(clock: ContractClock, recipient: string, tenant: string | null, over: Partial<SuppressionEntry> = {}): SuppressionEntry {
  return {
    recipient, tenant, reason: 'bounce', category: 'InvalidRecipient', source_type: 'Bounce', source_id: '0194636f2a1b00007c9e1f2a3b4c5d6e',
    created: clock.now(), expires: null, note: '550 5.1.1 user unknown', ...over,
  };
}

async function collect(store: SuppressionStore, filter?: Parameters<SuppressionStore['entries']>[0]): Promise<SuppressionEntry[]> {
  const out: SuppressionEntry[] = [];
  for await (const e of store.entries(filter)) out.push(e);
  return out;
}

function keys(entries: SuppressionEntry[]): string[] {
  return entries.map((e) => `${e.tenant ?? ''} ${e.recipient}`).sort();
}
