// What shaping costs end to end: N messages injected over SMTP into the example MTA, relayed to
// Postfix's smtp-sink, with shaping off (MTAKIT_SHAPING=off, the baseline of the same run), on
// with the in-memory store, and on with Redis (when redis-server is installed). The shaping file
// sets limits high enough never to bind, so every message still passes every check: the path's
// connection lease and connection rate per connection, two message-rate throttles per message,
// and automation reading every log record. The configurations take turns for `--rounds` rounds
// (the machine's load drifts, so each is compared with the baseline of its own round); reported:
// delivered msgs/s and the MTA's CPU per message, as the median over rounds of the change against
// the baseline.
//
//   node --conditions=@mtakit/source --import tsx bench/shaping-e2e.mjs [--messages 6000] [--rounds 2] [--size 2048] [--connections 20] [--fsync false]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { findRedisServer, startRedis } from '../packages/shaping/src/testing/redis-server.ts';
import { ensurePostfixTools, runThroughMta } from './lib/processes.mjs';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '6000' },
    rounds: { type: 'string', default: '2' },
    size: { type: 'string', default: '2048' },
    connections: { type: 'string', default: '20' },
    fsync: { type: 'string', default: 'false' },
  },
});
const messages = Number(values.messages);
const size = Number(values.size);
const connections = Number(values.connections);
const rounds = Number(values.rounds);

if (!ensurePostfixTools()) {
  console.error('smtp-sink (Debian package postfix) is required and could not be installed');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'mtakit-bench-shaping-'));
const shapingFile = join(dir, 'shaping.toml');
writeFileSync(shapingFile, [
  '["default"]',
  'connection_limit = 32', // the queue's default: the same connections as with shaping off
  'max_connection_rate = "1000000/min"',
  'max_message_rate = "1000000/s"',
  'additional_message_rate_throttles = { everyone = "1000000/s" }',
  '',
].join('\n'));

async function run(label, env) {
  const r = await runThroughMta({ messages, size, connections, fsync: values.fsync, env: { MTAKIT_SHAPING_FILES: shapingFile, ...env } });
  if (r.refused > 0) throw new Error(`${label}: ${r.refused} messages refused`);
  const cpuUs = (r.cpuSeconds * 1e6) / messages;
  console.log(`  ${label.padEnd(26)} ${r.rate.toFixed(0).padStart(6)} msgs/s   MTA CPU ${cpuUs.toFixed(0).padStart(4)} µs/msg   peak RSS ${r.peakRssMiB.toFixed(0)} MiB`);
  return { rate: r.rate, cpuUs };
}

console.log(`shaping end to end: ${messages.toLocaleString('en-US')} × ${size} B, ${connections} injecting connections, fsync ${values.fsync}, ${rounds} rounds`);
const binary = findRedisServer();
const redis = binary ? await startRedis(binary) : undefined;
if (!redis) console.log('  redis-server not installed: Redis figures skipped');
const configs = [
  ['shaping off (baseline)', { MTAKIT_SHAPING: 'off' }],
  ['shaping on, memory store', {}],
  ...(redis ? [['shaping on, Redis store', { MTAKIT_REDIS_URL: redis.url }]] : []),
];
const results = new Map(configs.map(([label]) => [label, []]));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
try {
  for (let round = 1; round <= rounds; round++) {
    console.log(`round ${round}`);
    for (const [label, env] of configs) results.get(label).push(await run(label, env));
  }
  const off = results.get(configs[0][0]);
  console.log(`\nagainst shaping off in the same round, median of ${rounds}:`);
  for (const [label] of configs.slice(1)) {
    const rs = results.get(label);
    const ratio = median(rs.map((r, i) => r.rate / off[i].rate));
    const cpu = median(rs.map((r, i) => r.cpuUs - off[i].cpuUs));
    console.log(`  ${label.padEnd(26)} msgs/s ×${ratio.toFixed(3)} (${((ratio - 1) * 100).toFixed(1)} %)   MTA CPU ${cpu >= 0 ? '+' : ''}${cpu.toFixed(0)} µs/msg`);
  }
  console.log(`  (baseline: median ${median(off.map((r) => r.rate)).toFixed(0)} msgs/s, ${median(off.map((r) => r.cpuUs)).toFixed(0)} µs/msg of MTA CPU)`);
} finally {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
}
