// End-to-end SMTP benchmark: inject N messages over SMTP into the example MTA (durable spool on),
// which relays them to Postfix's smtp-sink; compare with the transport ceiling (smtp-source straight
// into smtp-sink) measured in the same run.
//
//   node bench/smtp-e2e.mjs [--messages 20000] [--size 4096] [--connections 20] [--per-connection N] [--fsync true]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { inject, percentile } from './lib/injector.mjs';
import { ensurePostfixTools, freePort, processUsage, runSmtpSource, startMta, startSmtpSink } from './lib/processes.mjs';

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
const sinkPort = await freePort();
const sink = startSmtpSink(sinkPort, messages);
const dataDir = mkdtempSync(join(tmpdir(), 'mtakit-bench-'));
const mta = await startMta({
  MTAKIT_DATA_DIR: dataDir, MTAKIT_SMARTHOST: `127.0.0.1:${sinkPort}`, MTAKIT_FSYNC: values.fsync,
  MTAKIT_SMTP_LISTEN: '127.0.0.1:0', MTAKIT_HTTP_LISTEN: '127.0.0.1:0',
});
const before = processUsage(mta.child.pid);
const t0 = performance.now();
const result = await inject({ port: mta.smtpPort, messages, connections, size, perConnection });
const injectedMs = performance.now() - t0;
let giveUp;
const deliveredAt = await Promise.race([sink.done, new Promise((r) => (giveUp = setTimeout(() => r(undefined), 600_000)))]);
clearTimeout(giveUp);
const usage = processUsage(mta.child.pid);
mta.child.kill('SIGTERM');
rmSync(dataDir, { recursive: true, force: true });
if (deliveredAt === undefined) {
  console.error('not every message was delivered within 10 minutes');
  process.exit(1);
}
const endToEndMs = deliveredAt - t0;
const e2e = messages / (endToEndMs / 1000);
const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
console.log(`\nmtakit SMTP end-to-end: ${fmt(messages)} × ${fmt(size)} B, ${connections} injecting connections, fsync ${values.fsync}`);
console.log(`  transport ceiling (smtp-source → smtp-sink): ${fmt(ceiling)} msgs/s`);
console.log(`  injected into mtakit:                       ${fmt(messages / (injectedMs / 1000))} msgs/s (${result.errors} refused)`);
console.log(`  delivered end to end:                       ${fmt(e2e)} msgs/s = ${fmt(e2e / ceiling, 3)} × ceiling`);
console.log(`  acceptance latency (MAIL FROM → 250):       p50 ${fmt(percentile(result.latencies, 50), 2)} ms, p99 ${fmt(percentile(result.latencies, 99), 2)} ms`);
console.log(`  mtakit process: peak RSS ${fmt(usage.peakRssMiB)} MiB, CPU ${fmt(usage.cpuSeconds - before.cpuSeconds, 1)} s`);
