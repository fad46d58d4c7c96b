import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogBus, Message, type LogRecord, type PreSendResult } from '@mtakit/core';
import { MxResolver } from '@mtakit/core/dns';
import { FakeClock, TestResolver } from '@mtakit/core/testing';
import { MemorySpool, QueueManager } from '@mtakit/queue';
import { HeldMail, heldResultJson, OverrideJournal, PRE_SEND_HOLD_META, type HoldOverride } from '@mtakit/scorer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

// HeldMail (the TypeScript API behind POST /api/admin/held/release/v1) over a real QueueManager.
const links = { score: 40, weight: 0.9, reasons: ['links to IP addresses: 203.0.113.7 (+40)'] };
const content = { score: 35, weight: 0.85, reasons: ['bulk mail without a List-Unsubscribe header (+25)'] };
const freshness = { score: 30, weight: 0.5, reasons: ['the recipient was never sent to before (+30)'] };

function held(breakdown: PreSendResult['breakdown'], score = 70): PreSendResult {
  return { verdict: 'hold', score, threshold: 65, breakdown, actions: ['Link to a named domain, not an IP address.'] };
}

describe('HeldMail', () => {
  let dir: string;
  let queue: QueueManager;
  let records: LogRecord[];
  let acknowledged: HoldOverride[];
  let heldMail: HeldMail;
  const clock = new FakeClock(Date.UTC(2026, 2, 9, 12, 0, 0));

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mtakit-held-'));
    const log = new LogBus();
    records = [];
    log.subscribe((r) => void records.push(r));
    queue = new QueueManager({ spool: new MemorySpool(), log, hostname: 'mta.test', resolver: new MxResolver({ resolver: new TestResolver({}) }) });
    // Released mail goes back to its queue; keep it there instead of trying to deliver it.
    await queue.suspend({ reason: 'test', duration: '1h' });
    acknowledged = [];
    heldMail = new HeldMail({
      queue, log, clock, nodeId: 'node-1', journal: new OverrideJournal(join(dir, 'overrides.jsonl')),
      scorer: { acknowledge: (o) => void acknowledged.push(o) },
    });
  });
  afterEach(async () => {
    await queue.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Spools a message as the ingress does with a verdict (and the scorer feature with its findings). */
  async function hold(recipient: string, tenant: string, campaign: string, result: PreSendResult | undefined): Promise<string> {
    const message = new Message({ sender: 'bounces@shop.example', recipient, meta: { tenant, campaign }, data: Buffer.from('Subject: x\r\n\r\nx\r\n') });
    if (result) message.setMeta(PRE_SEND_HOLD_META, heldResultJson(result));
    else message.setMeta('hold', 'held by policy');
    await queue.enqueue([{ message, verdict: result }]);
    return message.id;
  }

  it('summarizes held mail per campaign with its merged risks', async () => {
    await hold('a@example.net', 'acme', 'spring', held({ links, list_freshness: freshness }));
    await hold('b@example.net', 'acme', 'spring', held({ links: { ...links, score: 60 }, content }, 80));
    await hold('c@example.net', 'globex', 'news', held({ content }));
    const campaigns = await heldMail.campaigns({ tenant: 'acme' });
    expect(campaigns).toHaveLength(1);
    expect(campaigns[0]).toMatchObject({ tenant: 'acme', campaign: 'spring', score: 80, threshold: 65 });
    expect(campaigns[0]!.ids).toHaveLength(2);
    expect(campaigns[0]!.risks.map((r) => [r.dimension, r.score])).toEqual([['links', 60], ['content', 35], ['list_freshness', 30]]);
  });

  it('releases with one override per campaign: journal, meta, log record, acknowledgement', async () => {
    const a = await hold('a@example.net', 'acme', 'spring', held({ links }));
    const b = await hold('b@example.net', 'acme', 'autumn', held({ content }));
    const other = await hold('c@example.net', 'globex', 'news', held({ links }));
    const result = await heldMail.release({ tenant: 'acme', acknowledged_by: 'ops@acme.example', reason: 'checked by hand', duration: '1d' });

    expect(result.released).toBe(2);
    expect(result.overrides.map((o) => [o.campaign, o.messageIds, o.risks.map((r) => r.dimension)]).sort()).toEqual([['autumn', [b], ['content']], ['spring', [a], ['links']]]);
    for (const o of result.overrides) {
      expect(o).toMatchObject({ tenant: 'acme', acknowledgedBy: 'ops@acme.example', acknowledgedAt: clock.now(), note: 'checked by hand', expiresAt: clock.now() + 86_400_000, action: 'release' });
    }
    expect(acknowledged).toEqual(result.overrides);
    expect(queue.listHeld().map((h) => h.id)).toEqual([other]);
    const journal = readFileSync(join(dir, 'overrides.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as HoldOverride);
    expect(journal.map((o) => o.id).sort()).toEqual(result.overrides.map((o) => o.id).sort());

    const spring = result.overrides.find((o) => o.campaign === 'spring')!;
    const meta = (await queue.inspectMessage(a)).message.meta;
    expect(meta[PRE_SEND_HOLD_META]).toBeUndefined();
    expect(meta['hold_override']).toEqual({ id: spring.id, acknowledged_by: 'ops@acme.example', acknowledged_at: '2026-03-09T12:00:00.000Z', risks: ['links'], note: 'checked by hand' });
    const record = records.find((r) => r.type === 'PreSendVerdict' && r.id === a)!;
    expect(record).toMatchObject({ nodeid: 'node-1', extra: { action: 'release', override: { id: spring.id, risks: spring.risks } } });
  });

  it('releases only the ids named, and nothing when the acknowledged risks fall short', async () => {
    const a = await hold('a@example.net', 'acme', 'spring', held({ links }));
    const b = await hold('b@example.net', 'acme', 'spring', held({ links, content }));
    await expect(heldMail.release({ campaign: 'spring', acknowledged_by: 'ops', acknowledged_risks: ['links'] }))
      .rejects.toThrow(/acknowledged_risks.*also acknowledge content \(score 35: bulk mail without a List-Unsubscribe header \(\+25\)\)/);
    expect(queue.listHeld()).toHaveLength(2);
    expect(acknowledged).toEqual([]);

    const r = await heldMail.release({ campaign: 'spring', ids: [a], acknowledged_by: 'ops', acknowledged_risks: ['links'] });
    expect(r).toMatchObject({ released: 1, overrides: [{ messageIds: [a], risks: [{ dimension: 'links' }] }] });
    expect(queue.listHeld().map((h) => h.id)).toEqual([b]);
  });

  it('releases mail a policy held, with nothing to acknowledge', async () => {
    const id = await hold('a@example.net', 'acme', 'spring', undefined);
    const r = await heldMail.release({ ids: [id], acknowledged_by: 'ops', acknowledged_risks: [] });
    expect(r.released).toBe(1);
    expect(r.overrides[0]!.risks).toEqual([]);
  });

  it('names what is missing from a release request', async () => {
    await expect(heldMail.release({ campaign: 'spring', acknowledged_by: ' ', reason: 'x' })).rejects.toThrow(/acknowledged_by/);
    await expect(heldMail.release({ acknowledged_by: 'ops', reason: 'x' })).rejects.toThrow(/name the held mail to release/);
    await expect(heldMail.release({ campaign: 'spring', acknowledged_by: 'ops' })).rejects.toThrow(/list the risks acknowledged, or give a reason/);
    await expect(heldMail.release({ campaign: 'spring', acknowledged_by: 'ops', reason: 'x', duration: 'soon' })).rejects.toThrow(/duration/);
    expect(await heldMail.release({ campaign: 'nothing-held', acknowledged_by: 'ops', reason: 'x' })).toEqual({ released: 0, overrides: [] });
  });
});
