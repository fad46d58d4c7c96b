// Per-message latency of the pre-send scorer with all nine built-in stages, against a pass-through
// PreSendHook measured in the same run on the same messages.
//
//   node --conditions=@mtakit/source --import tsx bench/scorer-latency.ts [--campaigns 40] [--recipients 250] [--without STAGE]
//
// Messages are the bulk newsletters of bench/data/scorer, personalized per recipient the way an
// ESP renders them (To, Message-ID, MIME boundary, unsubscribe token, the address in the footer);
// each campaign gets its own subject, so its first message is a cache miss ("cold") and the rest
// hit the campaign cache ("warm"). A second pass gives every message a first-name greeting, which
// changes the content version each time: the all-cold worst case. History stores are in memory and
// seeded (half the recipients known, a week of outcomes); the blocklist and provider lookups answer
// from their caches after the first call, as they do in steady state.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Message, type PreSendContext, type PreSendHook, type PreSendResult } from '@mtakit/core';
import { builtinStages, CachedDomainLookup, MemoryFreshnessStore, ReputationTracker, Scorer } from '@mtakit/scorer';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const CAMPAIGNS = arg('campaigns', 40);
const RECIPIENTS = arg('recipients', 250);
/** `--without NAME`: leave one built-in stage out, to see what it costs in the same conditions. */
const WITHOUT = process.argv.includes('--without') ? process.argv[process.argv.indexOf('--without') + 1] : undefined;
const dir = join(import.meta.dirname, 'data/scorer');
const TEMPLATES = ['legit-01-newsletter-product', 'legit-07-webinar', 'legit-08-spring-sale', 'legit-16-digest', 'legit-20-esp-tracked-newsletter', 'legit-23-charity-appeal']
  .map((name) => readFileSync(join(dir, `${name}.eml`), 'utf8').replace(/\r?\n/g, '\r\n'));
const DOMAINS = ['gmail.com', 'gmail.com', 'gmail.com', 'yahoo.com', 'outlook.com', 'hotmail.com', 'icloud.com', 'example.net', 'corp.example', 'web.de'];
const FIRST_NAMES = ['Ann', 'Bo', 'Chen', 'Dara', 'Eli', 'Femi', 'Gus', 'Hana', 'Ivo', 'Jun'];
const DAY = 86_400_000;

interface Job {
  /** Rendered just before its evaluation, so only in-flight messages are alive (as in an MTA). */
  render: () => Message;
  context: PreSendContext;
  cold: boolean;
}

function render(template: string, campaign: number, i: number, greeting: boolean): Message {
  const recipient = `user${i}.c${campaign}@${DOMAINS[i % DOMAINS.length]}`;
  const token = `${(campaign * 1_000_003 + i * 7919).toString(36)}${'k3x9q2'.repeat(2)}`;
  let text = template
    .replace(/^To: .*$/m, `To: <${recipient}>`)
    .replace(/^Subject: (.*)$/m, `Subject: $1 (#${campaign})`)
    .replace(/^Message-ID: .*$/m, `Message-ID: <${token}.${i}@mail.example>`)
    .replaceAll('----=_Part_8812_1193.1741000000', `----=_Part_${token}_${i}`)
    .replaceAll('3f9a2c71d0e84b5a9c1f', token)
    .replace(/(\r\n\r\n)(?=--)/, `$1`)
    .replace('</body>', `<p style="font-size:11px">Sent to ${recipient}</p></body>`);
  if (greeting) text = text.replace('</body>', `<p>Hi ${FIRST_NAMES[i % FIRST_NAMES.length]}${i}!</p></body>`);
  return new Message({ sender: `bounces+${i}@mail.example`, recipient, data: Buffer.from(text), meta: { tenant: `t${campaign % 8}`, campaign: `c${campaign}` } });
}

function jobs(greeting: boolean, offset: number): Job[] {
  const out: Job[] = [];
  for (let c = offset; c < offset + CAMPAIGNS; c++) {
    const template = TEMPLATES[c % TEMPLATES.length] ?? '';
    for (let i = 0; i < RECIPIENTS; i++) {
      out.push({ render: () => render(template, c, i, greeting), context: { tenant: `t${c % 8}`, campaign: `c${c}`, reception: 'ESMTP' }, cold: i === 0 });
    }
  }
  return out;
}

function buildScorer(clock: { now(): number }): Scorer {
  const tracker = new ReputationTracker({ clock });
  const freshness = new MemoryFreshnessStore();
  for (let t = 0; t < 8; t++) {
    for (let k = 0; k < 2000; k++) tracker.record(`t${t}`, k % 50 === 0 ? 'bounced' : k % 20 === 0 ? 'deferred' : 'delivered', clock.now() - (k % 168) * 3_600_000);
  }
  for (let c = 0; c < 2 * CAMPAIGNS + 2; c++) {
    for (let i = 0; i < RECIPIENTS; i += 2) freshness.recordSend(`t${c % 8}`, `user${i}.c${c}@${DOMAINS[i % DOMAINS.length]}`, clock.now() - 30 * DAY);
  }
  const sites = new Map(DOMAINS.map((d) => [d, d.includes('gmail') ? 'gmail-smtp-in.l.google.com' : `mx.${d}`]));
  const suppressed = new Set(['user7.c3@yahoo.com']);
  return new Scorer({
    clock,
    stages: builtinStages({
      reputation: { tracker },
      freshness: { store: freshness },
      links: { blocklist: new CachedDomainLookup(async (domain) => (domain.endsWith('.top') ? 'listed' : undefined), { clock }) },
      recipient: { suppression: (_tenant, r) => suppressed.has(r) },
      providers: { resolve: (domain) => sites.get(domain) ?? domain },
    }).filter((stage) => stage.name !== WITHOUT),
  });
}

interface Timing {
  cold: number[];
  warm: number[];
  /** Time spent inside `evaluate`, ms (rendering excluded). */
  totalMs: number;
  verdicts: Record<string, number>;
}

async function measure(hook: PreSendHook, work: Job[], tick: () => void): Promise<Timing> {
  const t: Timing = { cold: [], warm: [], totalMs: 0, verdicts: {} };
  for (const job of work) {
    tick();
    const message = job.render();
    const t0 = performance.now();
    const result = await hook.evaluate(message, job.context);
    const took = performance.now() - t0;
    (job.cold ? t.cold : t.warm).push(took);
    t.totalMs += took;
    t.verdicts[result.verdict] = (t.verdicts[result.verdict] ?? 0) + 1;
  }
  return t;
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
}

const row = (label: string, v: number[]) =>
  `${label.padEnd(44)} n=${String(v.length).padStart(6)}  p50 ${pct(v, 50).toFixed(3).padStart(7)} ms  p99 ${pct(v, 99).toFixed(3).padStart(7)} ms  max ${pct(v, 100).toFixed(2).padStart(6)} ms`;

const PASS: PreSendResult = { verdict: 'pass', score: 0, breakdown: {}, actions: [], threshold: 65 };
const passThrough: PreSendHook = { evaluate: async () => PASS };

let now = Date.UTC(2026, 2, 3, 9);
const clock = { now: () => now };
const tick = () => {
  now += 25; // 40 messages per second of simulated time
};
const scorer = buildScorer(clock);
await measure(scorer, jobs(false, 10_000).slice(0, 2000), tick); // JIT warm-up on campaigns not measured

const templated = jobs(false, 0);
const baseline = await measure(passThrough, templated, tick);
const scored = await measure(scorer, templated, tick);
const personalized = jobs(true, 2 * CAMPAIGNS);
const allCold = await measure(scorer, personalized, tick);

const all = [...scored.cold, ...scored.warm];
const baseAll = [...baseline.cold, ...baseline.warm];
console.log(`scorer latency — ${CAMPAIGNS} campaigns × ${RECIPIENTS} recipients, all built-in stages, node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
console.log(row('pass-through hook (baseline)', baseAll));
console.log(row('scorer, cold (first message of a campaign)', scored.cold));
console.log(row('scorer, warm (campaign cache hit)', scored.warm));
console.log(row('scorer, all messages', all));
console.log(row('scorer, personalized bodies (all cold)', [...allCold.cold, ...allCold.warm]));
const rate = (t: Timing, n: number) => (n / t.totalMs) * 1000;
console.log(`\nthroughput (time inside evaluate, one at a time): baseline ${Math.round(rate(baseline, baseAll.length))} msgs/s, scorer ${Math.round(rate(scored, all.length))} msgs/s (${(rate(baseline, baseAll.length) / rate(scored, all.length)).toFixed(1)}× slower), personalized ${Math.round(rate(allCold, personalized.length))} msgs/s`);
console.log(`scorer p50 / baseline p50: ${(pct(all, 50) / pct(baseAll, 50)).toFixed(1)}×; bar p50 < 1 ms: ${pct(all, 50) < 1 ? 'met' : 'MISSED'}, p99 < 5 ms: ${pct(all, 99) < 5 ? 'met' : 'MISSED'}`);
console.log(`verdicts (templated run): ${JSON.stringify(scored.verdicts)}`);
