// Oversized DATA against the example MTA (issue 11: "800 MiB DATA against SIZE 20 MiB ... RSS grows
// by 651 MiB first"). The MTA runs as its own process with max_message_size 20 MiB; one client
// streams an 800 MiB body (1 MiB writes, waiting for the socket to drain) and expects 552 5.3.4; the
// MTA's VmHWM (peak resident set) and VmRSS are read from /proc before and after. As the baseline
// in the same run, a 19 MiB message (just under the limit, accepted and spooled) is measured the
// same way afterwards. Done when the oversized stream grows the peak by less than 64 MiB.
//
//   node bench/reliability-oversize.mjs [--mib 800] [--limit-mib 20] [--results bench/results/reliability-oversize.jsonl]
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, startMta } from './lib/processes.mjs';

const { values } = parseArgs({
  options: { mib: { type: 'string', default: '800' }, 'limit-mib': { type: 'string', default: '20' }, results: { type: 'string' } },
});
const MiB = 1048576;

/** One SMTP session on a raw socket: replies in order, writes that wait for the socket to drain. */
async function session(port) {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.setEncoding('latin1');
  let buffer = '';
  const waiting = [];
  const replies = [];
  socket.on('data', (chunk) => {
    buffer += chunk;
    let end;
    while ((end = buffer.indexOf('\r\n')) !== -1) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (line[3] === '-') continue;
      const w = waiting.shift();
      if (w) w(line);
      else replies.push(line);
    }
  });
  socket.on('error', () => {});
  const reply = () => (replies.length > 0 ? Promise.resolve(replies.shift()) : new Promise((r) => waiting.push(r)));
  const command = (line) => {
    socket.write(`${line}\r\n`);
    return reply();
  };
  const write = (data) => (socket.write(data) ? Promise.resolve() : new Promise((r) => socket.once('drain', r)));
  await reply();
  await command('EHLO bench.test');
  return { command, write, reply, close: () => socket.end('QUIT\r\n') };
}

/** Sends one message of `bytes` body bytes; returns the final reply and the MTA's memory around it. */
async function send(port, pid, bytes) {
  const c = await session(port);
  await c.command('MAIL FROM:<bench@example.com>');
  await c.command('RCPT TO:<big@dest.test>');
  const data = await c.command('DATA');
  if (!data.startsWith('354')) throw new Error(`DATA refused: ${data}`);
  const before = memory(pid);
  let peakRss = before.rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, memory(pid).rss)), 200);
  const line = Buffer.from(`${'x'.repeat(1022)}\r\n`);
  const chunk = Buffer.concat(Array.from({ length: 1024 }, () => line));
  const t0 = performance.now();
  await c.write('Subject: big\r\n\r\n');
  for (let sent = 0; sent < bytes; sent += chunk.length) await c.write(chunk);
  await c.write('.\r\n');
  const final = await c.reply();
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  const after = memory(pid);
  c.close();
  return { reply: final, seconds, before, after, peakRss: Math.max(peakRss, after.rss) };
}

function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

const limit = Number(values['limit-mib']) * MiB;
const dataDir = mkdtempSync(join(tmpdir(), 'mtakit-oversize-'));
// Nothing listens at the smart host: accepted mail waits in the spool, which is all this needs.
const mta = await startMta({
  MTAKIT_DATA_DIR: dataDir, MTAKIT_SMARTHOST: `127.0.0.1:${await freePort()}`, MTAKIT_SMTP_LISTEN: '127.0.0.1:0',
  MTAKIT_HTTP_LISTEN: '127.0.0.1:0', MTAKIT_MAX_MESSAGE_SIZE: String(limit), MTAKIT_SCORER: 'off',
});
const pid = mta.child.pid;
try {
  // Warm-up: the first message loads what reception needs (policies, spool segment, log file).
  await send(mta.smtpPort, pid, 64 * 1024);
  const oversized = await send(mta.smtpPort, pid, Number(values.mib) * MiB);
  const baseline = await send(mta.smtpPort, pid, limit - MiB);
  const row = (name, r) => ({
    name, reply: r.reply, seconds: Number(r.seconds.toFixed(1)), mib_per_s: Number((r.bytes / MiB / r.seconds).toFixed(0)),
    rss_before_mib: Number(r.before.rss.toFixed(1)), rss_after_mib: Number(r.after.rss.toFixed(1)), peak_rss_mib: Number(r.peakRss.toFixed(1)),
    hwm_growth_mib: Number((r.after.hwm - r.before.hwm).toFixed(1)), peak_over_before_mib: Number((r.peakRss - r.before.rss).toFixed(1)),
  });
  oversized.bytes = Number(values.mib) * MiB;
  baseline.bytes = limit - MiB;
  const result = {
    bench: 'reliability-oversize', ts: new Date().toISOString(), body_mib: Number(values.mib), limit_mib: Number(values['limit-mib']),
    load_average: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    oversized: row('oversized', oversized), baseline_under_limit: row('under the limit', baseline),
  };
  const growth = Math.max(result.oversized.hwm_growth_mib, result.oversized.peak_over_before_mib);
  result.pass = result.oversized.reply.startsWith('552 ') && growth < 64;
  for (const r of [result.oversized, result.baseline_under_limit]) {
    console.log(`${r.name.padEnd(16)} ${r.reply}\n  ${r.seconds} s (${r.mib_per_s} MiB/s); RSS ${r.rss_before_mib} → ${r.rss_after_mib} MiB, peak ${r.peak_rss_mib} MiB (+${r.peak_over_before_mib}); VmHWM +${r.hwm_growth_mib} MiB`);
  }
  console.log(`${values.mib} MiB against SIZE ${values['limit-mib']} MiB: peak grew ${growth.toFixed(1)} MiB (bound 64): ${result.pass ? 'pass' : 'FAIL'}`);
  if (values.results) appendFileSync(values.results, `${JSON.stringify(result)}\n`);
  process.exitCode = result.pass ? 0 : 1;
} finally {
  const exited = new Promise((r) => mta.child.once('exit', r));
  mta.child.kill('SIGTERM');
  await exited;
  rmSync(dataDir, { recursive: true, force: true });
}
