// Bounce classification: accuracy per category and per sending system over the labelled samples,
// and classifications per second, for mtakit's classifier and for KumoMTA's own rule files alone.
//
//   node --conditions=@mtakit/source --import tsx bench/bounce-accuracy.ts   (ends with bench/bounce-dev.ts)
//
// Labelled data (all in packages/bounce/src/samples/):
//   replies.json          reply strings the built-in rules were written from (one or more per rule)
//   replies-holdout.json  reply strings labelled by hand without tuning the rules on them
//   messages/*.eml        bounce / ARF messages with *.expect.json (per recipient category)
// KumoMTA's files (iana.toml, community/bounces.toml) are read from ../shared when present.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  BounceClassifier, loadRuleFile, parseReport, type BounceRuleSet,
} from '@mtakit/bounce';

interface Labelled { set: string; from: string; category: string; line: string }

const samples = fileURLToPath(new URL('../packages/bounce/src/samples/', import.meta.url));
const kumoDir = fileURLToPath(new URL('../../shared/data/kumomta/', import.meta.url));

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const replies = (file: string, set: string): Labelled[] =>
  readJson<{ from: string; category: string; reply: string }[]>(`${samples}${file}`).map((r) => ({ set, from: r.from, category: r.category, line: r.reply }));

/** Message samples: each reported recipient's reply line, labelled by its expectation file. */
async function messageLabels(): Promise<Labelled[]> {
  const dir = `${samples}messages/`;
  const out: Labelled[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.eml')).sort()) {
    const expected = readJson<{ kind: string; reporter: string; recipients: { category: string }[] }>(`${dir}${file.replace(/\.eml$/, '.expect.json')}`);
    if (expected.kind !== 'dsn') continue; // complaints and auto-replies are not classified by rules
    const report = await parseReport(readFileSync(`${dir}${file}`));
    if (report.kind !== 'dsn') throw new Error(`${file}: expected a DSN`);
    report.recipients.forEach((r, i) => {
      const { code, enhanced_code: e, content } = r.response;
      out.push({ set: 'messages', from: expected.reporter, category: expected.recipients[i]?.category ?? '?', line: `${code}${e ? ` ${e.class}.${e.subject}.${e.detail}` : ''} ${content}` });
    });
  }
  return out;
}

function accuracy(classifier: BounceClassifier, data: Labelled[]): { ok: number; n: number } {
  let ok = 0;
  for (const d of data) if (classifier.classifyLine(d.line).category === d.category) ok++;
  return { ok, n: data.length };
}

function perKey(data: Labelled[], key: (d: Labelled) => string, classifiers: [string, BounceClassifier][]): void {
  const groups = new Map<string, Labelled[]>();
  for (const d of data) groups.set(key(d), [...(groups.get(key(d)) ?? []), d]);
  const rows = [...groups].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
  console.log(`  ${'group'.padEnd(22)} ${'n'.padStart(4)}  ${classifiers.map(([name]) => name.padStart(14)).join(' ')}`);
  for (const [name, items] of rows) {
    const cells = classifiers.map(([, c]) => {
      const { ok, n } = accuracy(c, items);
      return `${((100 * ok) / n).toFixed(0).padStart(4)}% (${ok}/${n})`.padStart(14);
    });
    console.log(`  ${name.padEnd(22)} ${String(items.length).padStart(4)}  ${cells.join(' ')}`);
  }
}

function throughput(classifier: BounceClassifier, lines: string[], minMs: number): number {
  for (const l of lines) classifier.classifyLine(l); // warm up the JIT (and the cache, if any)
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    for (const l of lines) classifier.classifyLine(l);
    count += lines.length;
  }
  return count / ((performance.now() - start) / 1000);
}

const data = [...replies('replies.json', 'rule-examples'), ...replies('replies-holdout.json', 'holdout'), ...(await messageLabels())];

const mtakit = new BounceClassifier({ cacheSize: 0 });
const classifiers: [string, BounceClassifier][] = [['mtakit', mtakit]];
let kumoSets: BounceRuleSet[] = [];
if (existsSync(kumoDir)) {
  kumoSets = [await loadRuleFile(`${kumoDir}community/bounces.toml`), await loadRuleFile(`${kumoDir}bounce_classifier/iana.toml`)];
  classifiers.push(['kumomta-rules', new BounceClassifier({ rules: kumoSets, builtin: false, fallback: false, cacheSize: 0 })]);
} else {
  console.log(`(KumoMTA rule files not found at ${kumoDir}: comparison skipped)`);
}

console.log(`labelled replies: ${data.length} (rule examples ${data.filter((d) => d.set === 'rule-examples').length}, holdout ${data.filter((d) => d.set === 'holdout').length}, from messages ${data.filter((d) => d.set === 'messages').length})\n`);
console.log('accuracy by data set');
perKey(data, (d) => d.set, classifiers);
console.log('\naccuracy by category (holdout + messages: not used to write the rules)');
const unseen = data.filter((d) => d.set !== 'rule-examples');
perKey(unseen, (d) => d.category, classifiers);
console.log('\naccuracy by sending system (holdout + messages)');
perKey(unseen, (d) => d.from, classifiers);
console.log('\naccuracy by category (all sets)');
perKey(data, (d) => d.category, classifiers);

const misses = unseen.filter((d) => mtakit.classifyLine(d.line).category !== d.category);
if (misses.length > 0) {
  console.log('\nmtakit misses on unseen data:');
  for (const d of misses) console.log(`  [${d.from}] want ${d.category}, got ${mtakit.classifyLine(d.line).category}: ${d.line.slice(0, 110)}`);
}

// Throughput: every labelled line, with the cache off (cold: every call runs the rules) and on.
const lines = data.map((d) => d.line);
const ms = 1500;
console.log(`\nthroughput over ${lines.length} distinct lines (${ms} ms per row)`);
const rows: [string, BounceClassifier][] = [
  ['mtakit indexed, cold', new BounceClassifier({ cacheSize: 0 })],
  ['mtakit sequential, cold (baseline)', new BounceClassifier({ cacheSize: 0, strategy: 'sequential' })],
  ['mtakit indexed, cached', new BounceClassifier()],
];
if (kumoSets.length > 0) {
  rows.push(
    ['kumomta rules indexed, cold', new BounceClassifier({ rules: kumoSets, builtin: false, fallback: false, cacheSize: 0 })],
    ['kumomta rules sequential, cold', new BounceClassifier({ rules: kumoSets, builtin: false, fallback: false, cacheSize: 0, strategy: 'sequential' })],
  );
}
const results = rows.map(([name, c]) => [name, c.ruleCount, throughput(c, lines, ms)] as const);
const baseline = results[1]?.[2] ?? 1;
for (const [name, rules, perSecond] of results) {
  console.log(`  ${name.padEnd(36)} ${String(rules).padStart(4)} rules ${Math.round(perSecond).toLocaleString('en-US').padStart(12)}/s  x${(perSecond / baseline).toFixed(2)} vs baseline`);
}

// Real mail: the development corpus, per source, next to KumoMTA's rules alone (bounce-dev.ts).
console.log('\n== real bounces: ../shared/data/bounces-dev ==');
await import('./bounce-dev.js');
