// End-to-end SMTP benchmark: inject N messages over SMTP into the example MTA (durable spool on),
// which relays them to Postfix's smtp-sink; compare with the transport ceiling (smtp-source straight
// into smtp-sink) measured in the same run. Both injection styles by default: a new SMTP session
// per message (what cron jobs and most application mailers do) and reused sessions.
//
//   node bench/smtp-e2e.mjs [--messages 20000] [--size 4096] [--connections 20] [--styles new,reuse]
//                           [--per-connection N (overrides the styles: N messages per session)] [--fsync true]
import { parseArgs } from 'node:util';
import { percentile } from './lib/injector.mjs';
import { ensurePostfixTools, freePort, runSmtpSource, runThroughMta, startSmtpSink } from './lib/processes.mjs';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    size: { type: 'string', default: '4096' },
    connections: { type: 'string', default: '20' },
    styles: { type: 'string', default: 'new,reuse' },
    'per-connection': { type: 'string' },
    fsync: { type: 'string', default: 'true' },
  },
});
const messages = Number(values.messages);
const size = Number(values.size);
const connections = Number(values.connections);
const styles = values['per-connection'] ? [{ name: `${values['per-connection']} per session`, perConnection: Number(values['per-connection']) || Infinity, reuse: true }]
  : values.styles.split(',').map((name) => (name === 'new' ? { name: 'new session per message', perConnection: 1, reuse: false } : { name: 'reused sessions', perConnection: Infinity, reuse: true }));

if (!ensurePostfixTools()) {
  console.error('smtp-sink/smtp-source (Debian package postfix) are required and could not be installed');
  process.exit(2);
}

const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
for (const style of styles) {
  // 1. Transport ceiling: smtp-source → smtp-sink, in the same style.
  const ceilingPort = await freePort();
  const ceilingSink = startSmtpSink(ceilingPort, messages);
  await new Promise((r) => setTimeout(r, 300));
  const c0 = performance.now();
  await runSmtpSource(ceilingPort, { messages, sessions: connections, size, reuse: style.reuse });
  const ceiling = messages / (((await ceilingSink.done) - c0) / 1000);

  // 2. Through the MTA: injector → mtakit (spool, queue, egress) → smtp-sink.
  const run = await runThroughMta({ messages, size, connections, fsync: values.fsync, inject: { perConnection: style.perConnection }, timeoutMs: 600_000 });
  const e2e = run.rate;
  console.log(`\nmtakit SMTP end-to-end, ${style.name}: ${fmt(messages)} × ${fmt(size)} B, ${connections} injecting connections, fsync ${values.fsync}`);
  console.log(`  transport ceiling (smtp-source → smtp-sink): ${fmt(ceiling)} msgs/s`);
  console.log(`  injected into mtakit:                       ${fmt(run.injectedRate)} msgs/s (${run.refused} refused)`);
  console.log(`  delivered end to end:                       ${fmt(e2e)} msgs/s = ${fmt(e2e / ceiling, 3)} × ceiling`);
  console.log(`  acceptance latency (MAIL FROM → 250):       p50 ${fmt(percentile(run.latencies, 50), 2)} ms, p99 ${fmt(percentile(run.latencies, 99), 2)} ms`);
  console.log(`  mtakit process: peak RSS ${fmt(run.peakRssMiB)} MiB, CPU ${fmt(run.cpuSeconds, 1)} s = ${fmt((run.cpuSeconds * 1000) / messages, 2)} ms per message`);
}
