/**
 * In-process CPU of three pieces of a message's path that issue 13's round 3 changed, for A/B of
 * checkouts without the noise of a whole peers run (the script is run from each checkout's root;
 * copy it into an older one):
 * - log: a message's three records (Reception, PreSendVerdict, Delivery) published on the bus of
 *   an MTA with the example's default plugins other than the scorer (queue, shaping, bounce) and
 *   the JSONL writer, µs per message;
 * - spool load: a 4 KB message read for delivery right after it was stored (fsync off), µs;
 * - Received: a 4 KB message made, its Received header prepended, its bytes taken, µs.
 * Each is the best of `--rounds` rounds (CPU time of this process: user + system).
 *
 *   node --conditions=@mtakit/source --import tsx bench/smtp-path-cost.ts [--n 20000] [--rounds 5] [--name LABEL] [--results FILE (JSONL, appended)]
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bouncePlugin } from '@mtakit/bounce';
import { Message, silentLogger, withLogRecordDefaults, type LogRecord } from '@mtakit/core';
import { createMta } from '@mtakit/core/mta';
import { DiskSpool, queuePlugin } from '@mtakit/queue';
import { shapingPlugin } from '@mtakit/shaping';

const { values } = parseArgs({ options: { n: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '5' }, name: { type: 'string', default: 'this checkout' }, results: { type: 'string' } } });
const n = Number(values.n);
const rounds = Number(values.rounds);
const body = Buffer.from(`From: a@example.com\r\nTo: b@dest.test\r\nSubject: cost\r\nMessage-ID: <x@example.com>\r\n\r\n${'x'.repeat(74)}\r\n`.padEnd(4096, 'y'), 'latin1');

/** Best CPU µs per item over the rounds. */
async function best(run: () => Promise<void>, items: number): Promise<number> {
  let result = Infinity;
  for (let r = 0; r < rounds; r++) {
    const start = process.cpuUsage();
    await run();
    const used = process.cpuUsage(start);
    result = Math.min(result, (used.user + used.system) / items);
  }
  return result;
}

function record(type: LogRecord['type'], m: Message): LogRecord {
  return withLogRecordDefaults({
    type, id: m.id, sender: m.sender, recipient: m.recipient, queue: 'dest.test', site: type === 'Reception' ? '' : 'unspecified->mx_list:127.0.0.1:2526@smtp_client',
    size: body.length, response: { code: 250, enhanced_code: null, content: 'ok', command: null }, peer_address: null, timestamp: Date.now() / 1000,
    event_time: new Date().toISOString(), created: Date.now() / 1000, num_attempts: 0, bounce_classification: 'Uncategorized', meta: {},
    reception_protocol: 'ESMTP', nodeid: '', egress_source: 'unspecified',
  }) as LogRecord;
}

const dir = mkdtempSync(join(tmpdir(), 'mtakit-path-cost-'));
try {
  const mta = await createMta({
    hostname: 'mta.test', dataDir: join(dir, 'mta'), logger: silentLogger, smtp: false, http: false,
    plugins: [queuePlugin({ fsync: false, smarthost: '127.0.0.1:9' }), shapingPlugin(), bouncePlugin({ fsync: false })],
  });
  const messages = Array.from({ length: 100 }, () => new Message({ sender: 'a@example.com', recipient: 'b@dest.test', data: body }));
  const triples = messages.map((m) => [record('Reception', m), record('PreSendVerdict', m), record('Delivery', m)] as const);
  const log = await best(async () => {
    // 100 messages' records per turn, as a busy listener and its dispatchers publish them.
    for (let i = 0; i < n; i += 100) await Promise.all(triples.flatMap((t) => t.map((r) => mta.log.publish({ ...r }))));
  }, n);
  await mta.stop();

  const spool = await DiskSpool.open({ dir: join(dir, 'spool'), fsync: false });
  let loadUs = Infinity;
  for (let r = 0; r < rounds; r++) {
    let cpu = 0;
    for (let i = 0; i < n; i += 100) {
      const batch = Array.from({ length: 100 }, () => new Message({ sender: 'a@example.com', recipient: 'b@dest.test', data: body }));
      await Promise.all(batch.map((m) => spool.store(m)));
      const start = process.cpuUsage();
      for (const m of batch) await spool.load(m.id);
      const used = process.cpuUsage(start);
      cpu += used.user + used.system;
      await Promise.all(batch.map((m) => spool.remove(m.id)));
    }
    loadUs = Math.min(loadUs, cpu / n);
  }
  await spool.close();

  const received = await best(async () => {
    for (let i = 0; i < n; i++) {
      const m = new Message({ sender: 'a@example.com', recipient: 'b@dest.test', data: body });
      m.prependHeader('Received', `from client.example ([127.0.0.1]) by mta.test (mtakit) with ESMTP id ${m.id} for <b@dest.test>; Thu, 3 Dec 2026 19:00:00 +0000`);
      m.getData();
    }
  }, n);

  const line = { bench: 'smtp-path-cost', name: values.name, n, rounds, logUsPerMessage: +log.toFixed(2), spoolLoadUs: +loadUs.toFixed(2), receivedUs: +received.toFixed(2), ts: new Date().toISOString() };
  console.log(JSON.stringify(line));
  if (values.results) appendFileSync(values.results, `${JSON.stringify(line)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
