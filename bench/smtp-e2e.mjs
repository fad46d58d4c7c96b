// End-to-end SMTP benchmark: inject N messages over SMTP into the example MTA (durable spool on),
// which relays them to Postfix's smtp-sink; compare with the transport ceiling (smtp-source straight
// into smtp-sink) measured in the same run.
//
//   node bench/smtp-e2e.mjs [--messages 20000] [--size 4096] [--connections 20] [--per-connection N] [--fsync true]
import { parseArgs } from 'node:util';
import { percentile } from './lib/injector.mjs';
import { ensurePostfixTools, freePort, runSmtpSource, runThroughMta, startSmtpSink } from './lib/processes.mjs';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    size: { type: 'string', default: '4096' },
    connections: { type: 'string', default: '20' },
    'per-connection': { type: 'string', default: '0' },
    fsync: { type: 'string', default: 'true' },
  },
});
const messages = Number(values.messages);
const size = Number(values.size);
const connections = Number(values.connections);
const perConnection = Number(values['per-connection']) || Infinity;

if (!ensurePostfixTools()) {
  console.error('smtp-sink/smtp-source (Debian package postfix) are required and could not be installed');
  process.exit(2);
}

// 1. Transport ceiling: smtp-source → smtp-sink.
const ceilingPort = await freePort();
const ceilingSink = startSmtpSink(ceilingPort, messages);
await new Promise((r) => setTimeout(r, 300));
const c0 = performance.now();
await runSmtpSource(ceilingPort, { messages, sessions: connections, size });
const ceilingMs = (await ceilingSink.done) - c0;
const ceiling = messages / (ceilingMs / 1000);

// 2. Through the MTA: injector → mtakit (spool, queue, egress) → smtp-sink.
const run = await runThroughMta({ messages, size, connections, fsync: values.fsync, inject: { perConnection }, timeoutMs: 600_000 });
const e2e = run.rate;
const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
console.log(`\nmtakit SMTP end-to-end: ${fmt(messages)} × ${fmt(size)} B, ${connections} injecting connections, fsync ${values.fsync}`);
console.log(`  transport ceiling (smtp-source → smtp-sink): ${fmt(ceiling)} msgs/s`);
console.log(`  injected into mtakit:                       ${fmt(run.injectedRate)} msgs/s (${run.refused} refused)`);
console.log(`  delivered end to end:                       ${fmt(e2e)} msgs/s = ${fmt(e2e / ceiling, 3)} × ceiling`);
console.log(`  acceptance latency (MAIL FROM → 250):       p50 ${fmt(percentile(run.latencies, 50), 2)} ms, p99 ${fmt(percentile(run.latencies, 99), 2)} ms`);
console.log(`  mtakit process: peak RSS ${fmt(run.peakRssMiB)} MiB, CPU ${fmt(run.cpuSeconds, 1)} s`);
