/**
 * In-process CPU of the SMTP client path per message (issue 13, round 4): `SmtpSession.deliver`
 * of a 4 KB message on reused connections to Postfix's smtp-sink (its own process, so only the
 * client's CPU is counted), with the transcript every Delivery record carries and that record's
 * JSON. For A/B of checkouts without the noise of a whole peers run: run it from each checkout's
 * root (copy it into an older one), alternating.
 *
 *   node --conditions=@mtakit/source --import tsx bench/egress-cost.ts [--n 10000] [--sessions 4] [--rounds 5] [--name LABEL] [--results FILE]
 *
 * Prints CPU µs per message per round (process.cpuUsage: main thread and helpers) and the median.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Message, recordJson, resolveEgressPathConfig, withLogRecordDefaults } from '@mtakit/core';
import { SmtpSession } from '@mtakit/core/egress';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' }, sessions: { type: 'string', default: '4' }, rounds: { type: 'string', default: '5' },
    name: { type: 'string', default: 'this checkout' }, results: { type: 'string' },
  },
});
const SINK = '/usr/sbin/smtp-sink';
if (!existsSync(SINK)) {
  console.log('egress-cost skipped: smtp-sink (Postfix) is not installed.');
  process.exit(0);
}
const n = Number(values.n);
const sessions = Number(values.sessions);
const rounds = Number(values.rounds);
const body = Buffer.from(`From: a@example.com\r\nTo: b@example.net\r\nSubject: cost\r\nMessage-ID: <x@example.com>\r\n\r\n${'x'.repeat(74)}\r\n`.padEnd(4096, 'y'), 'latin1');
const message = new Message({ sender: 'a@example.com', recipient: 'b@example.net', data: body });

const port = await new Promise<number>((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = server.address() as { port: number };
    server.close(() => resolve(free));
  });
});
const sink = spawn(SINK, [...(process.getuid?.() === 0 ? ['-u', 'nobody'] : []), '-c', '-m', '1000', `127.0.0.1:${port}`, '1000'], { stdio: 'ignore' });
process.on('exit', () => sink.kill());
for (let i = 0; i < 100 && !(await listening(port)); i++) await new Promise((r) => setTimeout(r, 50));
const open = () => SmtpSession.open({ host: '127.0.0.1', address: '127.0.0.1', port, ehloName: 'mta.test', tls: 'Disabled', timeouts: resolveEgressPathConfig().timeouts });
const pool = await Promise.all(Array.from({ length: sessions }, open));

function listening(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(p, '127.0.0.1', () => resolve(socket.end() && true)).once('error', () => resolve(false));
  });
}

/** Delivers `count` messages over the pool, one at a time per session, with each one's Delivery record JSON. */
async function run(count: number): Promise<void> {
  let left = count;
  await Promise.all(pool.map(async (session) => {
    while (left-- > 0) {
      const result = await session.deliver(message.sender, [message.recipient], message.getData());
      const outcome = result.outcomes[0];
      if (outcome?.response.code !== 250) throw new Error(`not delivered: ${JSON.stringify(outcome)}`);
      recordJson(withLogRecordDefaults({
        type: 'Delivery' as const, id: message.id, sender: message.sender, recipient: message.recipient, queue: 'example.net', site: 'unspecified->mx_list:127.0.0.1@smtp_client',
        size: body.length, response: outcome.response, peer_address: session.peer, timestamp: 0, event_time: '', created: 0, num_attempts: 0,
        bounce_classification: 'Uncategorized', meta: {}, reception_protocol: 'ESMTP' as const, nodeid: '', transcript: result.transcript,
      }));
    }
  }));
}

await run(n / 10);
const perRound: number[] = [];
for (let r = 0; r < rounds; r++) {
  const start = process.cpuUsage();
  await run(n);
  const used = process.cpuUsage(start);
  perRound.push((used.user + used.system) / n);
}
await Promise.all(pool.map((s) => s.close()));
sink.kill();
const median = [...perRound].sort((a, b) => a - b)[Math.floor(rounds / 2)] as number;
console.log(`egress cost (${values.name}), ${rounds} rounds × ${n} over ${sessions} sessions, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`µs/msg each round: ${perRound.map((v) => v.toFixed(1)).join(' ')}; median ${median.toFixed(1)}`);
if (values.results) {
  appendFileSync(values.results, `${JSON.stringify({ bench: 'egress-cost', name: values.name, n, sessions, rounds: perRound.map((v) => Number(v.toFixed(2))), median: Number(median.toFixed(2)), load: loadavg()[0], ts: new Date().toISOString() })}\n`);
}
