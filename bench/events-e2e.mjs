// What pushing events out costs: N messages injected over SMTP into the example MTA and relayed to
// Postfix's smtp-sink, with no event endpoints (the baseline) and with a webhook (a local HTTP
// receiver in a process of its own) plus one broker (Redis Streams, when redis-server is
// installed). Every record type goes to both.
//
//   node bench/events-e2e.mjs [--messages 10000] [--size 4096] [--connections 20] [--rounds 5] [--fsync true] [--sync write|fsync] [--dispatch worker|main] [--redis true|false] [--profile DIR] [--out FILE.jsonl]
//
// Each round runs off and on back to back (off first in odd rounds, on first in even ones), so a
// pair sees the same minute of machine load. The summary gives the median over rounds of each
// mode's rate and CPU, and the median of the per-round on/off ratios (the figure least moved by
// load drifting between rounds). Recorded per run: the 1-minute load average before it, and for
// "on" runs the CPU the webhook receiver and redis-server used (to show they are not what limits
// the run on a 2-core box). --out appends one JSON line per run and one summary line.
//
// --sync sets the events journal's "sync" (write: SIGKILL-safe, synced behind; fsync: each record
// waits for its sync); --dispatch its "dispatch" (worker, the default: sinks in a worker thread;
// main: everything on the MTA's thread). --profile DIR writes V8 CPU profiles of the MTA process of each run into DIR/<off|on>-<round>/ (one
// per thread: the largest is the main thread's).
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensurePostfixTools, freePort, processUsage, runThroughMta, which } from './lib/processes.mjs';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '10000' }, size: { type: 'string', default: '4096' }, connections: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '5' }, fsync: { type: 'string', default: 'true' }, sync: { type: 'string', default: 'write' }, dispatch: { type: 'string', default: 'worker' }, redis: { type: 'string', default: 'true' }, profile: { type: 'string' }, out: { type: 'string' },
  },
});
const messages = Number(values.messages);
if (!ensurePostfixTools()) {
  console.error('smtp-sink (Debian package postfix) is required and could not be installed');
  process.exit(2);
}

// The webhook receiver runs in a process of its own: in this one it would share the event loop
// with the SMTP injector and slow the injection down, which is not a cost of the MTA. It counts
// events in the raw bytes (one "event_id": per event, a match split across two chunks counted
// by the carried tail) without decoding or parsing them — a real receiver runs elsewhere, and on
// this 2-core box every cycle it spends is one the MTA does not get — and reports its count on request.
const RECEIVER = `
const KEY = Buffer.from('"event_id":');
let received = 0;
require('node:http').createServer((req, res) => {
  if (req.method === 'GET') return void res.end(String(received));
  let carry = Buffer.alloc(0);
  req.on('data', (chunk) => {
    const data = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    let last = -1;
    for (let i = data.indexOf(KEY); i >= 0; i = data.indexOf(KEY, i + KEY.length)) (received += 1), (last = i);
    carry = data.subarray(Math.max(0, last < 0 ? 0 : last + KEY.length, data.length - KEY.length + 1));
  }).on('end', () => res.writeHead(200).end());
}).listen(Number(process.argv[1]), '127.0.0.1');`;
const hookPort = await freePort();
const receiver = spawn(process.execPath, ['-e', RECEIVER, String(hookPort)], { stdio: 'ignore' });
for (let i = 0; i < 100 && !(await fetch(`http://127.0.0.1:${hookPort}/`).then(() => true, () => false)); i++) await new Promise((r) => setTimeout(r, 50));

const redisBinary = values.redis === 'false' ? undefined : which('redis-server');
let redis;
const redisPort = await freePort();
if (redisBinary) {
  redis = spawn(redisBinary, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
} else console.error('redis-server not installed: measuring the webhook alone');

const configDir = mkdtempSync(join(tmpdir(), 'mtakit-bench-events-'));
const endpoints = [{ name: 'hook', type: 'webhook', url: `http://127.0.0.1:${hookPort}/`, format: 'array', concurrency: 2, secrets_env: ['BENCH_SECRET'] }];
if (redis) endpoints.push({ name: 'stream', type: 'redis', url: `redis://127.0.0.1:${redisPort}`, max_len: 100_000 });
writeFileSync(join(configDir, 'events.json'), JSON.stringify({ endpoints, sync: values.sync, dispatch: values.dispatch }));

const sample = (text, name) => Number(text.split('\n').find((l) => l.startsWith(`${name} `))?.slice(name.length + 1) ?? 0);
const peersCpu = () => (receiver.pid ? processUsage(receiver.pid).cpuSeconds : 0) + (redis?.pid ? processUsage(redis.pid).cpuSeconds : 0);
async function run(mode, round) {
  const env = mode === 'on' ? { MTAKIT_EVENTS: join(configDir, 'events.json'), BENCH_SECRET: 'bench' } : {};
  const nodeArgs = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(values.profile, `${mode}-${round}`)}`] : [];
  const load = loadavg()[0];
  const peersBefore = peersCpu();
  const r = await runThroughMta({ messages, size: Number(values.size), connections: Number(values.connections), fsync: values.fsync, env, timeoutMs: 300_000, nodeArgs });
  const result = {
    mode, round, rate: r.rate, cpuMs: (r.cpuSeconds / messages) * 1000, sysMs: (r.systemSeconds / messages) * 1000, mainMs: (r.mainCpuSeconds / messages) * 1000,
    peersCpuMs: ((peersCpu() - peersBefore) / messages) * 1000, load, hookQueued: sample(r.metrics, 'events_queue_depth{endpoint="hook"}'),
  };
  console.error(`round ${round} ${mode}: ${fmt(result.rate)} msgs/s, MTA CPU ${fmt(result.cpuMs, 3)} ms/msg (main thread ${fmt(result.mainMs, 3)}), receiver+redis CPU ${fmt(result.peersCpuMs, 3)} ms/msg, load ${fmt(load, 2)}`);
  const round3 = (n) => Math.round(n * 1000) / 1000;
  if (values.out) appendFileSync(values.out, `${JSON.stringify({ bench: 'events-e2e', dispatch: values.dispatch, ...result, rate: Math.round(result.rate), cpuMs: round3(result.cpuMs), sysMs: round3(result.sysMs), mainMs: round3(result.mainMs), peersCpuMs: round3(result.peersCpuMs), ts: new Date().toISOString() })}\n`);
  return result;
}

const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const runs = { off: [], on: [] };
let received = 0;
try {
  // ABBA: off then on in odd rounds, on then off in even ones, so a load that drifts during a
  // round weighs on both modes alike over two rounds.
  for (let i = 0; i < Number(values.rounds); i++) for (const mode of i % 2 ? ['on', 'off'] : ['off', 'on']) runs[mode].push(await run(mode, i + 1));
} finally {
  received = Number(await (await fetch(`http://127.0.0.1:${hookPort}/`)).text().catch(() => '0'));
  receiver.kill('SIGKILL');
  redis?.kill('SIGKILL');
  rmSync(configDir, { recursive: true, force: true });
}
const [off, on] = ['off', 'on'].map((m) => ({
  rate: median(runs[m].map((r) => r.rate)), cpuMs: median(runs[m].map((r) => r.cpuMs)), sysMs: median(runs[m].map((r) => r.sysMs)), mainMs: median(runs[m].map((r) => r.mainMs)),
  rates: runs[m].map((r) => fmt(r.rate)).join(', '),
}));
const ratio = median(runs.on.map((r, i) => r.rate / runs.off[i].rate));
const cpuRatio = median(runs.on.map((r, i) => r.cpuMs / runs.off[i].cpuMs));
const mainRatio = median(runs.on.map((r, i) => r.mainMs / runs.off[i].mainMs));
const loads = [...runs.off, ...runs.on].map((r) => r.load);
const summary = {
  bench: 'events-e2e', summary: true, messages, rounds: Number(values.rounds), sinks: redis ? 'webhook+redis' : 'webhook', sync: values.sync, dispatch: values.dispatch,
  offRate: Math.round(off.rate), onRate: Math.round(on.rate), ratio: Number(ratio.toFixed(3)), offCpuMs: Number(off.cpuMs.toFixed(3)), onCpuMs: Number(on.cpuMs.toFixed(3)),
  cpuRatio: Number(cpuRatio.toFixed(3)), offMainMs: Number(off.mainMs.toFixed(3)), onMainMs: Number(on.mainMs.toFixed(3)), mainRatio: Number(mainRatio.toFixed(3)), peersCpuMs: Number(median(runs.on.map((r) => r.peersCpuMs)).toFixed(3)), loadMin: Math.min(...loads), loadMax: Math.max(...loads), received, ts: new Date().toISOString(),
};
if (values.out) appendFileSync(values.out, `${JSON.stringify(summary)}\n`);
console.log(`\nmtakit events end to end: ${fmt(messages)} messages per run, ${values.rounds} rounds (off/on back to back, ABBA); sinks: webhook${redis ? ' + Redis Streams' : ''}; journal sync: ${values.sync}; dispatch: ${values.dispatch}; load ${fmt(summary.loadMin, 2)}–${fmt(summary.loadMax, 2)}`);
console.log(`  events off (baseline): median ${fmt(off.rate)} msgs/s delivered (runs: ${off.rates}); MTA CPU ${fmt(off.cpuMs, 3)} ms/msg (system ${fmt(off.sysMs, 3)}; main thread ${fmt(off.mainMs, 3)})`);
console.log(`  events on:             median ${fmt(on.rate)} msgs/s delivered (runs: ${on.rates}); MTA CPU ${fmt(on.cpuMs, 3)} ms/msg (system ${fmt(on.sysMs, 3)}; main thread ${fmt(on.mainMs, 3)}); receiver + redis-server CPU ${fmt(summary.peersCpuMs, 3)} ms/msg`);
console.log(`  on / off (median of the rounds' ratios): ${fmt(ratio, 3)} × throughput (${fmt((1 - ratio) * 100, 1)} % overhead), ${fmt(cpuRatio, 3)} × MTA CPU per message (main thread ${fmt(mainRatio, 3)} ×); webhook received ${fmt(received)} events; queued at the end of the last run: ${runs.on.at(-1).hookQueued}`);
