// End-to-end cost of the pre-send scorer: N messages injected over SMTP into the example MTA
// (durable spool on), relayed to Postfix's smtp-sink, with the scorer on and with MTAKIT_SCORER=off
// (the baseline), alternating so both see the same machine load.
//
//   node bench/scorer-e2e.mjs [--messages 10000] [--size 4096] [--connections 20] [--rounds 2] [--fsync true]
//
// Every message carries a tenant and a campaign (X-Tenant / X-Campaign), so all eight built-in
// stages run and the content stages hit the campaign cache after each campaign's first message,
// as in steady state. Every recipient is new, which is what a purchased list looks like: at the
// default threshold the campaigns would be held once they pass 50 recipients, so the tenants get
// threshold 90 (flagged, delivered) — scoring costs the same whatever the verdict. For the
// scorer's own latency per message see bench/scorer-latency.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { percentile } from './lib/injector.mjs';
import { ensurePostfixTools, runThroughMta } from './lib/processes.mjs';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '10000' },
    size: { type: 'string', default: '4096' },
    connections: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '2' },
    fsync: { type: 'string', default: 'true' },
  },
});
const messages = Number(values.messages);
const size = Number(values.size);
const connections = Number(values.connections);
const rounds = Number(values.rounds);
const CAMPAIGNS = 20;

if (!ensurePostfixTools()) {
  console.error('smtp-sink (Debian package postfix) is required and could not be installed');
  process.exit(2);
}

/** One run: inject `messages` into a fresh MTA and wait until the sink has them all. */
async function run(scorer) {
  const configDir = mkdtempSync(join(tmpdir(), 'mtakit-bench-scorer-'));
  writeFileSync(join(configDir, 'scorer.json'), JSON.stringify({ defaults: { threshold: 90 } }));
  try {
    const r = await runThroughMta({
      messages, size, connections, fsync: values.fsync, timeoutMs: 120_000,
      env: { MTAKIT_SCORER: scorer, MTAKIT_SCORER_CONFIG: join(configDir, 'scorer.json') },
      inject: { headers: (i) => `X-Tenant: tenant${i % 4}\r\nX-Campaign: campaign${i % CAMPAIGNS}\r\n` },
    });
    return { rate: r.rate, latencies: r.latencies, refused: r.refused, cpu: r.cpuSeconds, metrics: r.metrics };
  } finally {
    rmSync(configDir, { recursive: true, force: true });
  }
}

/** The value of a Prometheus sample (0 when absent). */
function sample(text, name) {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

function verdictCounts(metrics) {
  return ['pass', 'flag', 'hold', 'reject'].map((v) => `${v} ${sample(metrics, `scorer_verdicts_total{verdict="${v}"}`)}`).join(', ');
}

const runs = { off: [], on: [] };
for (let r = 0; r < rounds; r++) {
  for (const mode of ['off', 'on']) runs[mode].push(await run(mode));
}

const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const summary = (mode) => {
  const rs = runs[mode];
  const latencies = rs.flatMap((x) => x.latencies);
  return {
    rate: mean(rs.map((x) => x.rate)), rates: rs.map((x) => fmt(x.rate)).join(', '),
    p50: percentile(latencies, 50), p99: percentile(latencies, 99),
    cpuPerMessageMs: (mean(rs.map((x) => x.cpu)) / messages) * 1000, refused: rs.reduce((a, x) => a + x.refused, 0),
  };
};
const off = summary('off');
const on = summary('on');
const last = runs.on.at(-1).metrics;
const verdicts = verdictCounts(last);
const scoredMs = (sample(last, 'scorer_latency_seconds_sum') / sample(last, 'scorer_latency_seconds_count')) * 1000;

console.log(`\nmtakit scorer end to end: ${fmt(messages)} × ${fmt(size)} B per run, ${connections} injecting connections, fsync ${values.fsync}, ${rounds} rounds (off/on alternating)`);
console.log(`  scorer off (baseline): ${fmt(off.rate)} msgs/s delivered (runs: ${off.rates}); acceptance p50 ${fmt(off.p50, 2)} ms, p99 ${fmt(off.p99, 2)} ms; MTA CPU ${fmt(off.cpuPerMessageMs, 3)} ms/msg`);
console.log(`  scorer on:             ${fmt(on.rate)} msgs/s delivered (runs: ${on.rates}); acceptance p50 ${fmt(on.p50, 2)} ms, p99 ${fmt(on.p99, 2)} ms; MTA CPU ${fmt(on.cpuPerMessageMs, 3)} ms/msg`);
console.log(`  on / off:              ${fmt(on.rate / off.rate, 3)} × throughput, +${fmt(on.cpuPerMessageMs - off.cpuPerMessageMs, 3)} ms CPU per message`);
console.log(`  verdicts (last run):   ${verdicts}; mean time in the scorer ${fmt(scoredMs, 3)} ms per message`);
if (off.refused + on.refused > 0) console.log(`  refused by the MTA:    ${off.refused} off, ${on.refused} on`);
