// Parser accuracy on labelled real mail the parser was not tuned on: each DIR holds the emails and a
// `labels.jsonl` of `{ file, recipient, category, hard }` lines, written by reading each email (own
// labels, not a source's). `recipient: "NONE"` marks a message that is not a bounce (no record
// expected); `recipient: null` or `category: null` leave that field unscored; `category` lists
// every category a careful reader would accept.
//
//   node --conditions=@mtakit/source --import tsx bench/bounce-unseen.ts DIR... [--misses]
//
// The licence-compatible set lives in packages/bounce/src/samples/real/ (its labels.jsonl files);
// sets that may only be read, not redistributed, stay outside the repository.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBounceMessage, type BounceSummary } from '@mtakit/bounce';

interface Label { file: string; recipient: string | null; category: string[] | null; hard: boolean }
interface Tally { ok: number; n: number }

const dirs = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const misses = process.argv.includes('--misses');
if (dirs.length === 0) {
  console.log('usage: bench/bounce-unseen.ts DIR... [--misses] (each DIR with a labels.jsonl)');
  process.exit(1);
}

const pct = (t: Tally): string => (t.n === 0 ? '–' : `${((100 * t.ok) / t.n).toFixed(1)}% (${t.ok}/${t.n})`);
const add = (t: Tally, ok: boolean): void => { t.n++; if (ok) t.ok++; };
const all = { parsed: { ok: 0, n: 0 }, negatives: { ok: 0, n: 0 }, recipient: { ok: 0, n: 0 }, category: { ok: 0, n: 0 }, hard: { ok: 0, n: 0 } };

for (const dir of dirs) {
  const labels = readFileSync(join(dir, 'labels.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Label);
  const mine = { parsed: { ok: 0, n: 0 }, negatives: { ok: 0, n: 0 }, recipient: { ok: 0, n: 0 }, category: { ok: 0, n: 0 }, hard: { ok: 0, n: 0 } };
  for (const label of labels) {
    let out: BounceSummary[] = [];
    let error = '';
    try {
      out = await parseBounceMessage(readFileSync(join(dir, label.file)));
    } catch (e) {
      error = (e as Error).message;
    }
    const wrong: string[] = [];
    if (label.recipient === 'NONE') {
      for (const t of [mine.negatives, all.negatives]) add(t, out.length === 0);
      if (out.length > 0) wrong.push('expected no record');
    } else {
      for (const t of [mine.parsed, all.parsed]) add(t, out.length > 0);
      const want = label.recipient?.toLowerCase();
      const record = (want && out.find((s) => s.recipient.toLowerCase() === want)) || out[0];
      if (want) for (const t of [mine.recipient, all.recipient]) add(t, record?.recipient.toLowerCase() === want);
      if (label.category) for (const t of [mine.category, all.category]) add(t, !!record && label.category.includes(record.category));
      for (const t of [mine.hard, all.hard]) add(t, !!record && record.hard === label.hard);
      if (!record) wrong.push(`no record ${error}`);
      else {
        if (want && record.recipient.toLowerCase() !== want) wrong.push(`recipient ${record.recipient} ≠ ${want}`);
        if (label.category && !label.category.includes(record.category)) wrong.push(`category ${record.category} ∉ ${label.category.join('|')}`);
        if (record.hard !== label.hard) wrong.push(`hard ${record.hard}`);
      }
    }
    if (misses && wrong.length > 0) {
      const r = out[0];
      console.log(`  ${label.file}: ${wrong.join('; ')}${r ? ` [${r.extractor} ${r.rule && 'ref' in r.rule ? r.rule.ref : r.rule?.kind ?? '-'} "${r.reply.slice(0, 90)}"]` : ''}`);
    }
  }
  console.log(`${dir}: parsed ${pct(mine.parsed)}, recipient ${pct(mine.recipient)}, category ${pct(mine.category)}, address-level hard/soft ${pct(mine.hard)}, non-bounces refused ${pct(mine.negatives)}`);
}
console.log(`TOTAL: parsed ${pct(all.parsed)}, recipient ${pct(all.recipient)}, category ${pct(all.category)}, address-level hard/soft ${pct(all.hard)}, non-bounces refused ${pct(all.negatives)}`);
