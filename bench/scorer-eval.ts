// Labelled evaluation of the pre-send scorer on real mail not written for mtakit: the development
// set of bench/data/scorer-dev.tsv (TREC 2007 public corpus sample, unspy.email newsletters; see
// bench/scorer-corpus.ts and docs/scorer.md). Reports, per split (tune / check), source and class:
// pass/flag/hold/reject, hold-or-reject recall on spam and phishing, the share of legitimate mail
// held and flagged, and the AUC of the score.
//
//   node --conditions=@mtakit/source --import tsx bench/scorer-eval.ts [--split=tune|check] [--misses=CLASS]
//        [--signals] [--dump=FILE.jsonl] [--new-recipients]
//
// Tune with --split=tune only; the check split is for the final figures. Every message is scored
// twice: as bulk mail (it has a campaign, so unsubscribe headers are expected) and as
// transactional mail (`mail_class` meta), to compare recall between the two. Recipients are
// "known" (mailed and engaged recently) unless --new-recipients: the verdict then rests on the
// message, not on a tenant's history. `--dump` writes every evaluation's dimension scores (bulk and transactional) for
// bench/scorer-fit.ts. Skips with a message when the corpora are absent.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Message, type PreSendResult, type PreSendVerdict } from '@mtakit/core';
import { builtinStages, MemoryFreshnessStore, ReputationTracker, Scorer } from '@mtakit/scorer';
import { corporaOrSkip, DEV_CLASSES, type DevClass, type DevEntry, LEGIT_CLASSES, loadMessage, readManifest } from './scorer-corpus.js';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const NOW = Date.UTC(2026, 2, 3, 10, 15);
const DAY = 86_400_000;
const VERDICTS: readonly PreSendVerdict[] = ['pass', 'flag', 'hold', 'reject'];

interface Row { entry: DevEntry; bulk: PreSendResult; transactional: PreSendResult }

async function evaluateAll(dir: string, entries: readonly DevEntry[], known: boolean): Promise<Row[]> {
  const freshness = new MemoryFreshnessStore();
  const scorer = new Scorer({
    stages: builtinStages({ reputation: { tracker: new ReputationTracker() }, freshness: { store: freshness } }),
    clock: { now: () => NOW },
  });
  const rows: Row[] = [];
  for (const entry of entries) {
    const message = loadMessage(readFileSync(join(dir, entry.path)));
    // One tenant per message: the history stages must not learn from the bench's own volume.
    const tenant = entry.sha256.slice(0, 12);
    if (known) {
      freshness.recordSend(tenant, message.recipient, NOW - 60 * DAY);
      freshness.recordEngagement(tenant, message.recipient, NOW - 20 * DAY);
    }
    const bulk = await scorer.evaluate(message, { tenant, campaign: entry.path, reception: 'ESMTP' });
    const asTransactional = new Message({ sender: message.sender, recipient: message.recipient, data: message.getData(), meta: { mail_class: 'transactional' } });
    const transactional = await scorer.evaluate(asTransactional, { tenant, campaign: entry.path, reception: 'ESMTP' });
    rows.push({ entry, bulk, transactional });
  }
  return rows;
}

const pct = (n: number, d: number) => (d === 0 ? '   n/a' : `${((100 * n) / d).toFixed(1)}%`.padStart(6));
const positive = (r: PreSendResult) => r.verdict === 'hold' || r.verdict === 'reject';

/** Probability that a random bad message scores above a random legitimate one (ties count half). */
function auc(bad: readonly number[], good: readonly number[]): number {
  if (bad.length === 0 || good.length === 0) return Number.NaN;
  const counts = new Array<number>(101).fill(0);
  for (const g of good) counts[g] = (counts[g] ?? 0) + 1;
  let below = 0;
  let wins = 0;
  for (let s = 0; s <= 100; s++) {
    const here = counts[s] ?? 0;
    const badHere = bad.filter((b) => b === s).length;
    wins += badHere * (below + here / 2);
    below += here;
  }
  return wins / (bad.length * good.length);
}

function table(title: string, rows: readonly Row[]): void {
  console.log(`\n## ${title}\n`);
  console.log('source   class         n    pass    flag    hold  reject | held+rej  (transactional)');
  const sources = [...new Set(rows.map((r) => r.entry.source)), 'all'];
  for (const source of sources) {
    for (const cls of DEV_CLASSES) {
      const set = rows.filter((r) => (source === 'all' || r.entry.source === source) && r.entry.class === cls);
      if (set.length === 0) continue;
      const counts = VERDICTS.map((v) => set.filter((r) => r.bulk.verdict === v).length);
      const held = set.filter((r) => positive(r.bulk)).length;
      const heldT = set.filter((r) => positive(r.transactional)).length;
      console.log(`${source.padEnd(8)} ${cls.padEnd(10)} ${String(set.length).padStart(5)}  ${counts.map((c) => pct(c, set.length)).join('  ')} |   ${pct(held, set.length)}  (${pct(heldT, set.length)})`);
    }
  }
  const scores = (f: (c: DevClass) => boolean, t = false) => rows.filter((r) => f(r.entry.class)).map((r) => (t ? r.transactional : r.bulk).score);
  const legit = (c: DevClass) => LEGIT_CLASSES.includes(c);
  const legitScores = scores(legit);
  const a = auc(scores((c) => !legit(c)), legitScores);
  const at = auc(scores((c) => !legit(c), true), scores(legit, true));
  console.log(`\nAUC (spam+phishing vs legitimate): bulk ${a.toFixed(3)}, transactional ${at.toFixed(3)}`);
  const flagged = rows.filter((r) => r.entry.class === 'personal' && r.bulk.verdict !== 'pass').length;
  const personal = rows.filter((r) => r.entry.class === 'personal').length;
  console.log(`personal mail flagged or worse: ${flagged}/${personal} (${pct(flagged, personal).trim()})`);
}

function signalRates(rows: readonly Row[]): void {
  console.log('\n## signals: share of each class where a signal fired (bulk)\n');
  const key = (reason: string) => reason.replace(/\s*\(\+\d+\)$/, '').replace(/:.*$/, '').replace(/"[^"]*"|\([^)]*\)/g, '…')
    .replace(/\S+\.\S+/g, 'D').replace(/\d+/g, 'N').slice(0, 70);
  const fired = new Map<string, Map<DevClass, number>>();
  for (const r of rows) {
    for (const [dim, d] of Object.entries(r.bulk.breakdown)) {
      for (const reason of new Set(d.reasons.filter((x) => /\(\+\d+\)$/.test(x)).map((x) => `${dim}: ${key(x)}`))) {
        const m = fired.get(reason) ?? new Map<DevClass, number>();
        m.set(r.entry.class, (m.get(r.entry.class) ?? 0) + 1);
        fired.set(reason, m);
      }
    }
  }
  const n = (c: DevClass) => rows.filter((r) => r.entry.class === c).length;
  console.log(`${'signal'.padEnd(80)} ${DEV_CLASSES.map((c) => c.slice(0, 8).padStart(8)).join(' ')}`);
  for (const [reason, m] of [...fired].sort((a, b) => a[0].localeCompare(b[0]))) {
    console.log(`${reason.padEnd(80)} ${DEV_CLASSES.map((c) => pct(m.get(c) ?? 0, n(c)).padStart(8)).join(' ')}`);
  }
}

function misses(rows: readonly Row[], cls: string): void {
  const legit = LEGIT_CLASSES.includes(cls as DevClass);
  for (const r of rows.filter((x) => x.entry.class === cls && (legit ? x.bulk.verdict !== 'pass' : !positive(x.bulk)))) {
    console.log(`\n${r.bulk.verdict} ${r.bulk.score}  ${r.entry.path}`);
    for (const [name, d] of Object.entries(r.bulk.breakdown)) if (d.score > 0) console.log(`   ${name} ${d.score}: ${d.reasons.join('; ')}`);
  }
}

const manifest = readManifest();
const dir = corporaOrSkip(manifest);
if (dir !== undefined) {
  const split = arg('split');
  const entries = manifest.filter((e) => split === undefined || e.split === split);
  const rows = await evaluateAll(dir, entries, !process.argv.includes('--new-recipients'));
  for (const s of split === undefined ? ['tune', 'check'] : [split]) table(`${s} split, bulk verdicts at the default threshold`, rows.filter((r) => r.entry.split === s));
  if (process.argv.includes('--signals')) signalRates(rows);
  const missed = arg('misses');
  if (missed !== undefined) misses(rows, missed);
  const dump = arg('dump');
  if (dump !== undefined) {
    writeFileSync(dump, rows.map((r) => JSON.stringify({
      path: r.entry.path, class: r.entry.class, split: r.entry.split,
      bulk: Object.fromEntries(Object.entries(r.bulk.breakdown).map(([k, d]) => [k, d.score])),
      transactional: Object.fromEntries(Object.entries(r.transactional.breakdown).map(([k, d]) => [k, d.score])),
    })).join('\n'));
  }
}
