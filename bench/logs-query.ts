// Logs that are cheap to keep and easy to ask (issue 16): writes ~1 GB of realistic log records
// (24 h, 20 tenants, delivery transcripts) with the MTA's own JSONL writer, compresses the rolled
// segments with the archiver, then asks for one tenant's hour, on the compressed segments and, as
// the baseline in the same run, on the same segments left plain.
//   node --conditions=@mtakit/source --import tsx bench/logs-query.ts [--gb 1] [--dir /tmp/x]
import { cp, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { withLogRecordDefaults, type LogRecord } from '@mtakit/core';
import { JsonlLogWriter } from '@mtakit/core/log';
import { LogArchiver, queryLogs } from '@mtakit/events';

const { values } = parseArgs({ options: { gb: { type: 'string', default: '1' }, dir: { type: 'string' } } });
const targetBytes = Number(values.gb) * 1024 ** 3;
const root = values.dir ?? (await mkdtemp(join(tmpdir(), 'mtakit-logs-bench-')));
const plainDir = join(root, 'plain');
const zstDir = join(root, 'zst');
const T0 = Date.UTC(2026, 10, 1) / 1000;
const TYPES = ['Reception', 'Delivery', 'Delivery', 'Delivery', 'TransientFailure', 'Bounce'] as const;

function record(i: number, ts: number): LogRecord {
  const tenant = `tenant${i % 20}`;
  const rcpt = `user${(i * 7919) % 1_000_003}@${['gmail.com', 'yahoo.com', 'outlook.com', 'example.net'][i % 4]}`;
  const type = TYPES[i % TYPES.length] as LogRecord['type'];
  return withLogRecordDefaults({
    type, id: i.toString(16).padStart(32, '0'), sender: `bounce-${i % 977}@mail.${tenant}.example`, recipient: rcpt,
    queue: `campaign${i % 50}:${tenant}@${rcpt.split('@')[1]}`, site: 'pool1->mx.example.net@smtp_client', size: 4000 + (i % 3000),
    response: { code: type === 'Delivery' ? 250 : type === 'Bounce' ? 550 : 451, enhanced_code: { class: type === 'Delivery' ? 2 : 5, subject: 0, detail: 0 }, content: type === 'Delivery' ? `OK id=${(i * 2654435761 >>> 0).toString(36)}` : 'mailbox unavailable', command: 'DATA' },
    peer_address: { name: 'mx.example.net', addr: `192.0.2.${i % 250}` }, timestamp: ts, event_time: new Date(ts * 1000).toISOString(),
    created: ts - 5, num_attempts: 1 + (i % 3), bounce_classification: type === 'Bounce' ? 'InvalidRecipient' : 'Uncategorized',
    meta: { tenant, campaign: `campaign${i % 50}` }, reception_protocol: 'ESMTP', nodeid: 'a3c4e5f6-0000-4000-8000-000000000001',
    transcript: ['220 mx.example.net ESMTP ready', 'EHLO mta.example', '250-mx.example.net Hello', '250-PIPELINING', '250-SIZE 52428800', '250 STARTTLS',
      `MAIL FROM:<bounce-${i % 977}@mail.${tenant}.example> SIZE=${4000 + (i % 3000)}`, '250 2.1.0 Sender ok', `RCPT TO:<${rcpt}>`, '250 2.1.5 Recipient ok', 'DATA', '354 Go ahead', '.', `250 2.0.0 OK ${i}`],
  });
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

async function timeQuery(dir: string, tenant: string, hour: number): Promise<{ ms: number; n: number }> {
  const t = performance.now();
  let n = 0;
  for await (const _ of queryLogs(dir, { tenant, from: T0 + hour * 3600, to: T0 + (hour + 1) * 3600 - 1 })) n++;
  return { ms: performance.now() - t, n };
}

// 1. Write: records spread evenly over 24 h, segments rolled at 64 MiB as the MTA would.
let written = 0;
let now = T0 * 1000;
const writer = new JsonlLogWriter({ dir: plainDir, maxFileBytes: 64 * 1024 * 1024, now: () => now });
const perRecord = JSON.stringify(record(1, T0)).length + 1;
const total = Math.ceil(targetBytes / perRecord);
const t0 = performance.now();
for (let i = 0; i < total; i += 1000) {
  const batch: Promise<void>[] = [];
  for (let j = i; j < Math.min(total, i + 1000); j++) {
    const ts = T0 + Math.floor((j / total) * 86_400);
    now = ts * 1000;
    batch.push(writer.write(record(j, ts)));
  }
  await Promise.all(batch);
  written = Math.min(total, i + 1000);
  if (written % 100_000 === 0) process.stderr.write(`  wrote ${written} / ${total} records\n`);
}
await writer.close();
const rawBytes = await dirBytes(plainDir);
console.log(`wrote ${written} records, ${(rawBytes / 1024 ** 3).toFixed(2)} GiB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// 2. Compress a copy (the archiver leaves the newest segment plain, as it is the one being written).
await cp(plainDir, zstDir, { recursive: true });
const t1 = performance.now();
const archiver = new LogArchiver({ dir: zstDir });
await archiver.runOnce();
const zstBytes = await dirBytes(zstDir);
console.log(`compressed in ${((performance.now() - t1) / 1000).toFixed(1)} s: ${(rawBytes / 1024 ** 2).toFixed(0)} MiB -> ${(zstBytes / 1024 ** 2).toFixed(0)} MiB on disk (${(rawBytes / zstBytes).toFixed(1)}x; rolled segments alone ${(archiver.rawBytes / archiver.compressedBytes).toFixed(1)}x)`);

// 3. One tenant's hour, three different hours, compressed vs plain (baseline), each cold-ish.
console.log('| query | compressed ms | records | plain ms | records |\n|---|---|---|---|---|');
for (const [tenant, hour] of [['tenant3', 2], ['tenant11', 13], ['tenant19', 22]] as const) {
  const z = await timeQuery(zstDir, tenant, hour);
  const p = await timeQuery(plainDir, tenant, hour);
  console.log(`| ${tenant}, hour ${hour} | ${z.ms.toFixed(0)} | ${z.n} | ${p.ms.toFixed(0)} | ${p.n} |`);
  if (z.n !== p.n) throw new Error(`compressed and plain answers differ: ${z.n} vs ${p.n}`);
}
if (!values.dir) await rm(root, { recursive: true, force: true });
