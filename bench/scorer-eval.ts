// Labelled evaluation of the pre-send scorer: precision and recall of hold-or-reject at the default
// threshold on bench/data/scorer (messages written for mtakit, see bench/data/scorer/README.md):
// the "dev" and "dev2" sets the built-in weights were calibrated on, and two held-out sets never tuned on —
// "holdout" (16) and "holdout2" (28, written and frozen before the content-poor-fraud signals).
// Figures are reported per set.
//
//   node --conditions=@mtakit/source --import tsx bench/scorer-eval.ts [--verbose] [--sets=dev,dev2]
//
// `--sets` reports only the named sets: tune with the dev sets only, so that the held-out figures
// are not looked at until the end.
//
// Two scenarios, because four dimensions depend on history rather than on the message:
//  - "known recipients": every recipient was mailed and engaged recently, so list freshness is
//    neutral and the verdict rests on the message (subject, content, links, recipient profile);
//  - "new recipients": an empty history, as for a tenant's very first send.
// Reputation, provider mix and time of send have no history in either (they score 0 here).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Message, type PreSendResult, type PreSendVerdict } from '@mtakit/core';
import { builtinStages, MemoryFreshnessStore, ReputationTracker, Scorer } from '@mtakit/scorer';

interface Entry {
  file: string;
  set: 'dev' | 'dev2' | 'holdout' | 'holdout2';
  label: 'legit' | 'spam';
  kind: string;
  campaign?: string;
  sender?: string;
}

const dir = join(import.meta.dirname, 'data/scorer');
const verbose = process.argv.includes('--verbose');
const only = process.argv.find((a) => a.startsWith('--sets='))?.slice('--sets='.length).split(',');
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Entry[];
const NOW = Date.UTC(2026, 2, 3, 10, 15);
const DAY = 86_400_000;

function load(entry: Entry): Message {
  const data = Buffer.from(readFileSync(join(dir, entry.file), 'utf8').replace(/\r?\n/g, '\r\n'));
  const probe = new Message({ sender: '', recipient: 'probe@example.invalid', data });
  const address = (name: string) => /<([^>]+)>/.exec(probe.getFirstHeader(name) ?? '')?.[1] ?? probe.getFirstHeader(name)?.trim() ?? '';
  return new Message({ sender: entry.sender ?? address('From'), recipient: address('To'), data });
}

async function run(scenario: string, knownRecipients: boolean): Promise<void> {
  const freshness = new MemoryFreshnessStore();
  const scorer = new Scorer({
    stages: builtinStages({ reputation: { tracker: new ReputationTracker() }, freshness: { store: freshness } }),
    clock: { now: () => NOW },
  });
  const rows: Array<{ entry: Entry; result: PreSendResult }> = [];
  for (const entry of manifest) {
    const message = load(entry);
    const tenant = message.sender.slice(message.sender.lastIndexOf('@') + 1);
    if (knownRecipients) {
      freshness.recordSend(tenant, message.recipient, NOW - 60 * DAY);
      freshness.recordEngagement(tenant, message.recipient, NOW - 20 * DAY);
    }
    rows.push({ entry, result: await scorer.evaluate(message, { tenant, campaign: entry.campaign, reception: 'ESMTP' }) });
  }
  for (const set of new Set(manifest.map((e) => e.set))) {
    if (only === undefined || only.includes(set)) report(`${scenario}, ${set} set`, rows.filter((r) => r.entry.set === set));
  }
}

function report(scenario: string, rows: Array<{ entry: Entry; result: PreSendResult }>): void {
  const verdicts: PreSendVerdict[] = ['pass', 'flag', 'hold', 'reject'];
  const matrix = { legit: { pass: 0, flag: 0, hold: 0, reject: 0 }, spam: { pass: 0, flag: 0, hold: 0, reject: 0 } };
  for (const { entry, result } of rows) matrix[entry.label][result.verdict]++;
  const positive = (v: Record<PreSendVerdict, number>) => v.hold + v.reject;
  const tp = positive(matrix.spam);
  const fp = positive(matrix.legit);
  const fn = rows.filter((r) => r.entry.label === 'spam').length - tp;
  const tn = rows.filter((r) => r.entry.label === 'legit').length - fp;
  console.log(`\n## ${scenario}\n`);
  console.log(`verdicts      ${verdicts.map((v) => v.padStart(6)).join('')}`);
  for (const label of ['legit', 'spam'] as const) console.log(`${label.padEnd(13)} ${verdicts.map((v) => String(matrix[label][v]).padStart(6)).join('')}`);
  console.log(`\nhold-or-reject as positive:  TP ${tp}  FP ${fp}  FN ${fn}  TN ${tn}`);
  const ratio = (n: number, d: number) => (d === 0 ? 'n/a' : (n / d).toFixed(3));
  console.log(`precision ${ratio(tp, tp + fp)}   recall ${ratio(tp, tp + fn)}`);
  const flagged = (v: Record<PreSendVerdict, number>) => v.flag + v.hold + v.reject;
  console.log(`(flag or worse: ${flagged(matrix.spam)}/${tp + fn} spam, ${flagged(matrix.legit)}/${tn + fp} legitimate)`);
  const wrong = rows.filter(({ entry, result }) => (entry.label === 'spam') !== (result.verdict === 'hold' || result.verdict === 'reject'));
  for (const { entry, result } of verbose ? rows : wrong) {
    console.log(`\n${entry.label === 'spam' ? 'SPAM ' : 'LEGIT'} ${result.verdict.padEnd(6)} ${String(result.score).padStart(3)}  ${entry.file} (${entry.kind})`);
    for (const [name, d] of Object.entries(result.breakdown)) {
      if (d.score > 0) console.log(`      ${name} ${d.score} × ${d.weight}: ${d.reasons.join('; ')}`);
    }
  }
}

await run('known recipients (history neutral)', true);
await run('new recipients (empty history)', false);
