// Parser accuracy on real mail: ../shared/data/bounces-dev (see its SOURCES.md), per source,
// against the expectations each source's own tests state, next to KumoMTA's shipped rules alone.
//
//   node --conditions=@mtakit/source --import tsx bench/bounce-dev.ts [--misses]
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { BounceClassifier, loadRuleFile, parseBounceMessage } from '@mtakit/bounce';
import { corpusFiles, parseCorpus, score, total, type Score, type SourceScores } from './lib/bounce-dev-eval.js';

const dir = fileURLToPath(new URL('../../shared/data/bounces-dev/', import.meta.url));
const kumoDir = fileURLToPath(new URL('../../shared/data/kumomta/', import.meta.url));
if (!existsSync(dir)) {
  console.log(`bounce development corpus not found at ${dir}: nothing to measure`);
  process.exit(0);
}
const kumo = existsSync(kumoDir)
  ? new BounceClassifier({ rules: [await loadRuleFile(`${kumoDir}community/bounces.toml`), await loadRuleFile(`${kumoDir}bounce_classifier/iana.toml`)], builtin: false, fallback: false })
  : null;
const start = performance.now();
const results = await parseCorpus(dir, new BounceClassifier());
const ms = performance.now() - start;
const by = score(results, kumo);

const cell = (s: Score): string => (s.n === 0 ? '–'.padStart(13) : `${((100 * s.ok) / s.n).toFixed(0)}% ${s.ok}/${s.n}`.padStart(13));
const columns: [string, keyof Omit<SourceScores, 'files'>][] = [
  ['parsed', 'parsed'], ['non-bounce', 'negatives'], ['kind', 'kind'], ['recipients', 'recipients'], ['category', 'categories'],
  ['kumo rules', 'kumoCategories'], ['status', 'status'], ['permanent', 'permanent'], ['feedback', 'feedbackType'],
];
console.log(`${'source'.padEnd(26)} ${'files'.padStart(5)} ${columns.map(([c]) => c.padStart(13)).join(' ')}`);
for (const [source, s] of [...by, ['TOTAL', total(by)] as const]) {
  console.log(`${source.padEnd(26)} ${String(s.files).padStart(5)} ${columns.map(([, k]) => cell(s[k])).join(' ')}`);
}
console.log(`\nfirst pass (cold JIT): ${results.length} files in ${ms.toFixed(0)} ms`);

// Throughput once warm: every corpus file parsed and classified, several rounds; CPU time as well
// as wall time, since the box is shared (wall time alone measures the neighbours).
const bytes = corpusFiles(dir).map(({ file }) => readFileSync(`${dir}${file}`));
const classifier = new BounceClassifier();
const rounds = 5;
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
for (let r = 0; r < rounds; r++) for (const b of bytes) await parseBounceMessage(b, { classifier }).catch(() => null);
const cpu = process.cpuUsage(cpu0);
const n = rounds * bytes.length;
console.log(`warm: ${n} parses, ${Math.round(n / ((cpu.user + cpu.system) / 1e6))} emails/s of CPU time, ${Math.round(n / ((performance.now() - wall0) / 1000))} emails/s wall (load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores)`);

if (process.argv.includes('--misses')) {
  for (const r of results) {
    const e = r.expectation;
    const found = r.summaries.map((x) => `${x.recipient}|${x.category}|${x.extractor}`).join(' ; ');
    const missing = e?.kind !== 'none' && (r.summaries.length === 0 || r.summaries.some((x) => x.recipient === ''));
    const wrongRcpt = e?.recipients && !e.recipients.every((a) => r.summaries.some((x) => x.recipient.toLowerCase() === a));
    const first = e?.recipients ? r.summaries.find((x) => e.recipients?.includes(x.recipient.toLowerCase())) : r.summaries[0];
    const wrongCat = e?.categories && !(first && e.categories.includes(first.category));
    const wrongNeg = e?.kind === 'none' && r.summaries.length > 0;
    if (missing || wrongRcpt || wrongCat || wrongNeg) {
      console.log(`${r.file}: ${missing ? 'NO RECORD ' : ''}${wrongRcpt ? `RCPT want ${e?.recipients?.join(',')} ` : ''}${wrongCat ? `CAT want ${e?.reason} ` : ''}${wrongNeg ? 'NOT A BOUNCE ' : ''}got [${found}] ${r.error ?? ''}`);
    }
  }
}
