import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '@mtakit/core/testing';
import { SUPPRESSION_STORE_CONTRACT } from './contract.js';
import type { SuppressionEntry } from './entry.js';
import type { SuppressionStore } from './store.js';
import { FileSuppressionStore } from './file-store.js';
import { MemorySuppressionStore } from './memory-store.js';
import { ReplicaSuppressionStore, serveSuppressionStore, type SuppressionChange, type SuppressionLink } from './node-store.js';

const dir = mkdtempSync(join(tmpdir(), 'mtakit-suppression-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/**
 * A keeper (the primary of runCluster's workers) serving `store` to copies in this process: calls
 * go through a structured clone each way and are answered on a later turn, as over IPC.
 */
function keeper(store: SuppressionStore) {
  const serve = serveSuppressionStore(store);
  const copies = new Set<(change: SuppressionChange) => void>();
  const later = <T>(value: T) => new Promise<T>((r) => setImmediate(() => r(structuredClone(value))));
  const link = (): SuppressionLink => ({
    call: async (call) => later(await serve(await later(call), (change) => copies.forEach((heard) => heard(structuredClone(change))))),
    heard: (handler) => void copies.add(handler),
  });
  return { link };
}

const stores = {
  memory: async (clock: FakeClock) => new MemorySuppressionStore({ clock }),
  'node copy': async (clock: FakeClock) => ReplicaSuppressionStore.open(keeper(new MemorySuppressionStore({ clock })).link(), { clock }),
  file: async (clock: FakeClock) => FileSuppressionStore.open({ path: join(dir, `contract-${++files}.jsonl`), clock, fsync: false }),
};

for (const [name, make] of Object.entries(stores)) {
  describe(`${name} store contract`, () => {
    for (const check of SUPPRESSION_STORE_CONTRACT) {
      it(check.name, async () => {
        const clock = new FakeClock();
        const store = await make(clock);
        try {
          await check.run(store, { now: () => clock.now(), advance: async (ms) => clock.advance(ms) });
        } finally {
          await store.close();
        }
      });
    }
  });
}

function entry(recipient: string, over: Partial<SuppressionEntry> = {}): SuppressionEntry {
  return {
    recipient, tenant: null, reason: 'bounce', category: 'InvalidRecipient', source_type: 'Bounce', source_id: '',
    created: Date.UTC(2026, 0, 1), expires: null, note: '', ...over,
  };
}

describe('FileSuppressionStore durability', () => {
  it('a reopened journal has every acknowledged put, removal and soft bounce', async () => {
    const path = join(dir, 'reopen.jsonl');
    const clock = new FakeClock();
    const a = await FileSuppressionStore.open({ path, clock });
    await Promise.all([a.put([entry('one@example.com')]), a.put([entry('two@example.com', { tenant: 'acme', reason: 'complaint' })])]);
    await a.remove([{ recipient: 'one@example.com', tenant: null }]);
    await a.countSoftBounce({ recipient: 'full@example.com', tenant: null }, 'm1', clock.now(), 86_400_000);
    await a.close();

    const b = await FileSuppressionStore.open({ path, clock });
    expect(await b.check('one@example.com')).toBeUndefined();
    expect((await b.check('two@example.com', 'acme'))?.reason).toBe('complaint');
    expect(await b.countSoftBounce({ recipient: 'full@example.com', tenant: null }, 'm2', clock.now() + 1, 86_400_000)).toBe(2);
    await b.close();
  });

  it('compacts at open: removed, replaced and expired entries leave the file', async () => {
    const path = join(dir, 'compact.jsonl');
    const clock = new FakeClock();
    const a = await FileSuppressionStore.open({ path, clock, fsync: false });
    for (let i = 0; i < 50; i++) await a.put([entry(`r${i}@example.com`)]);
    await a.put([entry('r0@example.com', { note: 'replaced' })]);
    await a.remove([{ recipient: 'r1@example.com', tenant: null }]);
    await a.put([entry('soon@example.com', { expires: clock.now() + 1000 })]);
    await a.close();
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(53);

    clock.advance(2000);
    const b = await FileSuppressionStore.open({ path, clock, fsync: false });
    expect(b.loaded).toMatchObject({ lines: 53, corrupt: 0, entries: 49, compacted: true });
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(49);
    expect((await b.check('r0@example.com'))?.note).toBe('replaced');
    await b.close();

    const c = await FileSuppressionStore.open({ path, clock, fsync: false });
    expect(c.loaded.compacted).toBe(false);
    await c.close();
  });

  it('skips a line torn by a crash and does not glue new writes onto it', async () => {
    const path = join(dir, 'torn.jsonl');
    const clock = new FakeClock();
    const a = await FileSuppressionStore.open({ path, clock, fsync: false });
    await a.put([entry('kept@example.com')]);
    await a.close();
    appendFileSync(path, '{"op":"put","e":{"recipient":"half');

    const b = await FileSuppressionStore.open({ path, clock, fsync: false });
    expect(b.loaded).toMatchObject({ corrupt: 1, entries: 1, compacted: true });
    await b.put([entry('after@example.com')]);
    await b.close();
    const c = await FileSuppressionStore.open({ path, clock, fsync: false });
    expect(c.loaded.corrupt).toBe(0);
    expect((await c.check('after@example.com'))?.recipient).toBe('after@example.com');
    expect((await c.check('kept@example.com'))?.recipient).toBe('kept@example.com');
    await c.close();
  });

  it('refuses writes after close with E_CLOSED', async () => {
    const store = await FileSuppressionStore.open({ path: join(dir, 'closed.jsonl'), fsync: false });
    await store.close();
    await expect(store.put([entry('x@example.com')])).rejects.toMatchObject({ code: 'E_CLOSED' });
  });

  it('names the journal when it cannot be read', async () => {
    const path = join(dir, 'a-directory.jsonl');
    mkdirSync(path);
    await expect(FileSuppressionStore.open({ path })).rejects.toThrow(/suppression journal .*a-directory\.jsonl: cannot read/);
  });
});

describe('ReplicaSuppressionStore: one list for a node\'s workers', () => {
  it('a bounce learned through one copy suppresses in every other, before the call resolves in the first', async () => {
    const node = keeper(await FileSuppressionStore.open({ path: join(dir, 'node.jsonl'), fsync: false }));
    const [one, two] = await Promise.all([ReplicaSuppressionStore.open(node.link()), ReplicaSuppressionStore.open(node.link())]);
    await one.put([entry('gone@example.com')]);
    expect((await one.check('gone@example.com'))?.reason).toBe('bounce');
    expect((await two.check('gone@example.com'))?.reason).toBe('bounce');
    // A copy opened later starts from the keeper's list.
    const three = await ReplicaSuppressionStore.open(node.link());
    expect(three.size).toBe(1);
    expect(await two.remove([{ recipient: 'gone@example.com', tenant: null }])).toBe(1);
    expect(await one.check('gone@example.com')).toBeUndefined();
    expect(await three.check('gone@example.com')).toBeUndefined();
    // Soft bounces are counted node-wide: one message each through two copies makes two.
    const key = { recipient: 'full@example.com', tenant: null };
    await one.countSoftBounce(key, 'm1', Date.now(), 86_400_000);
    expect(await two.countSoftBounce(key, 'm2', Date.now(), 86_400_000)).toBe(2);
  });

  it('a long list loads a page at a time from one snapshot: a removal meanwhile skips no other entry', async () => {
    const list = new MemorySuppressionStore();
    await list.put(Array.from({ length: 45_000 }, (_, i) => entry(`u${i}@example.com`)));
    const serve = serveSuppressionStore(list);
    let heard: ((change: SuppressionChange) => void) | undefined;
    let pages = 0;
    const copy = await ReplicaSuppressionStore.open({
      heard: (handler) => void (heard = handler),
      call: async (call) => {
        const answer = await serve(call, (change) => heard?.(change));
        // After the first page, an entry of that page is removed through another copy.
        if (++pages === 1) await serve({ op: 'remove', keys: [{ recipient: 'u5@example.com', tenant: null }] }, (change) => heard?.(change));
        return answer;
      },
    });
    expect(pages).toBe(3);
    expect(copy.size).toBe(44_999);
    expect(await copy.check('u5@example.com')).toBeUndefined();
    expect(await copy.check('u20000@example.com')).toBeDefined();
    expect(await copy.check('u44999@example.com')).toBeDefined();
  });

  it('a change heard while the copy is still loading the list is applied on top of it', async () => {
    const list = new MemorySuppressionStore();
    await list.put([entry('old@example.com')]);
    const serve = serveSuppressionStore(list);
    let heard: ((change: SuppressionChange) => void) | undefined;
    const copy = await ReplicaSuppressionStore.open({
      heard: (handler) => void (heard = handler),
      // The list leaves the keeper, then a removal is told before the copy has read the list.
      call: async (call) => {
        const answer = await serve(call, () => undefined);
        heard?.({ remove: [{ recipient: 'old@example.com', tenant: null }] });
        heard?.({ put: [entry('new@example.com')] });
        return answer;
      },
    });
    expect(await copy.check('old@example.com')).toBeUndefined();
    expect((await copy.check('new@example.com'))?.recipient).toBe('new@example.com');
  });
});
