// CPU per message of the scorer as the example MTA runs it (the `scorerPlugin`), in one process:
// its `evaluate`, the PreSendVerdict record and its JSON (what the log writer makes of it), its
// metrics, and its log consumers, which see the Reception and Delivery records of every message
// too. No sockets, no other plugin: what turning the scorer on adds per message, minus the write.
//
//   node --conditions=@mtakit/source --import tsx bench/scorer-plugin-cost.ts [--mail source|newsletter] [--n 10000] [--rounds 7]
//         [--records FILE (writes the rounds' PreSendVerdict JSON lines, to compare two checkouts byte for byte)]
//
// `--mail source` (default) is what the peer harness injects (smtp-source: a 4 KB body of filler
// lines, no subject, one sender and recipient); `--mail newsletter` the bulk newsletters of
// bench/data/scorer, personalized per recipient as in bench/scorer-latency.ts, 250 per campaign.
// Prints CPU µs per message per round (process.cpuUsage: the main thread plus GC helpers) and the median.
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LogBus, Message, OutsideStores, recordJson, withLogRecordDefaults, internalResponse, type LogRecord, type PreSendContext } from '@mtakit/core';
import { MxResolver } from '@mtakit/core/dns';
import { MtaMetrics } from '@mtakit/core/metrics';
import type { PluginContext } from '@mtakit/core/mta';
import { TestResolver } from '@mtakit/core/testing';
import { scorerPlugin } from '@mtakit/scorer';

const { values } = parseArgs({ options: { mail: { type: 'string', default: 'source' }, n: { type: 'string', default: '10000' }, rounds: { type: 'string', default: '7' }, records: { type: 'string' } } });
const N = Number(values.n);
const ROUNDS = Number(values.rounds);

const FILLER = Array.from({ length: 52 }, (_, i) => `${i % 10}${'X'.repeat(77)}`).join('\r\n');
function sourceMail(i: number): Message {
  const date = 'Thu,  3 Dec 2026 18:26:24 +0000 (UTC)';
  const data = `Received: from vm (localhost [127.0.0.1])\r\n\tby mta.test with ESMTP id ${i}\r\n\tfor <b@example.net>; ${date}\r\nFrom: <a@example.com>\r\nTo: <b@example.net>\r\nDate: ${date}\r\nMessage-Id: <${i}.0003.0000@vm>\r\n\r\n${FILLER}\r\n`;
  return new Message({ sender: 'a@example.com', recipient: 'b@example.net', data: Buffer.from(data) });
}

const dir = join(import.meta.dirname, 'data/scorer');
const TEMPLATES = ['legit-01-newsletter-product', 'legit-07-webinar', 'legit-08-spring-sale', 'legit-16-digest', 'legit-20-esp-tracked-newsletter', 'legit-23-charity-appeal']
  .map((name) => readFileSync(join(dir, `${name}.eml`), 'utf8').replace(/\r?\n/g, '\r\n'));
const DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com', 'example.net', 'web.de'];
function newsletter(i: number): Message {
  const campaign = Math.floor(i / 250);
  const recipient = `user${i}@${DOMAINS[i % DOMAINS.length]}`;
  const token = `${(campaign * 1_000_003 + i * 7919).toString(36)}k3x9q2k3x9q2`;
  const text = (TEMPLATES[campaign % TEMPLATES.length] ?? '')
    .replace(/^To: .*$/m, `To: <${recipient}>`)
    .replace(/^Message-ID: .*$/m, `Message-ID: <${token}.${i}@mail.example>`)
    .replaceAll('----=_Part_8812_1193.1741000000', `----=_Part_${token}_${i}`)
    .replaceAll('3f9a2c71d0e84b5a9c1f', token)
    .replace('</body>', `<p style="font-size:11px">Sent to ${recipient}</p></body>`);
  return new Message({ sender: `bounces+${i}@mail.example`, recipient, data: Buffer.from(text), meta: { tenant: `t${campaign % 4}`, campaign: `c${campaign}` } });
}
const mail = values.mail === 'newsletter' ? newsletter : sourceMail;

const work = mkdtempSync(join(tmpdir(), 'mtakit-scorer-cost-'));
const log = new LogBus();
const out = values.records ? createWriteStream(values.records) : undefined;
let bytes = 0;
// The log writer's share that the scorer causes: every record's JSON.
log.subscribe((record) => {
  const text = recordJson(record);
  bytes += text.length;
  if (out && record.type === 'PreSendVerdict') out.write(`${text.replace(/"(event_time|timestamp|elapsed_ms)":("[^"]*"|[\d.]+)/g, '"$1":0')}\n`);
  return undefined;
});
const mx = Object.fromEntries(DOMAINS.concat('example.net').map((d) => [d, [{ exchange: `mx.${d}`, priority: 10 }]]));
const ctx: PluginContext = {
  hostname: 'mta.test', dataDir: work, nodeId: 'node-1', logger: () => {}, log, stores: new OutsideStores(),
  metrics: new MtaMetrics({ defaultMetrics: false }), resolver: new MxResolver({ resolver: new TestResolver({ mx }) }),
};
const provides = (await scorerPlugin().setup(ctx)) ?? {};
for (const consumer of provides.logConsumers ?? []) log.subscribe(consumer);
const evaluate = provides.preSend!;

/** The other two records of a message, as reception and delivery publish them. */
function around(message: Message, type: 'Reception' | 'Delivery'): LogRecord {
  const now = Date.now();
  return withLogRecordDefaults({
    type, id: message.id, sender: message.sender, recipient: message.recipient, queue: 'example.net', site: type === 'Delivery' ? 'unspecified->mx.example.net@smtp_client' : '',
    size: message.size, response: internalResponse(250, null, 'ok'), peer_address: { name: 'vm', addr: '127.0.0.1' }, timestamp: Math.floor(now / 1000),
    event_time: new Date(now).toISOString(), created: Math.floor(message.createdAt / 1000), num_attempts: 0, bounce_classification: 'Uncategorized',
    meta: { ...message.meta }, reception_protocol: 'ESMTP' as const, nodeid: 'node-1',
  });
}

async function round(offset: number): Promise<number> {
  const before = process.cpuUsage();
  for (let i = offset; i < offset + N; i++) {
    const message = mail(i);
    const context: PreSendContext = { tenant: message.metaString('tenant'), campaign: message.metaString('campaign'), reception: 'ESMTP' };
    await log.publish(around(message, 'Reception'));
    await evaluate.evaluate(message, context);
    await log.publish(around(message, 'Delivery'));
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / N;
}

// What the message rendering and the other two records cost, without the scorer: subtracted below.
async function baseline(offset: number): Promise<number> {
  const before = process.cpuUsage();
  for (let i = offset; i < offset + N; i++) {
    const message = mail(i);
    await log.publish(around(message, 'Reception'));
    await log.publish(around(message, 'Delivery'));
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / N;
}

await round(1_000_000); // warm-up: JIT, caches
const scored: number[] = [];
const base: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  base.push(await baseline(r * N));
  scored.push(await round(r * N));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;
console.log(`scorer plugin cost — mail ${values.mail}, ${ROUNDS} rounds × ${N}, node ${process.version}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`with scorer, µs/msg each round: ${scored.map((x) => x.toFixed(1)).join(' ')}`);
console.log(`without (render + 2 records): ${base.map((x) => x.toFixed(1)).join(' ')}`);
console.log(`scorer: median ${(median(scored) - median(base)).toFixed(1)} µs/msg, best ${(Math.min(...scored) - Math.min(...base)).toFixed(1)} µs/msg (${(bytes / ((2 * ROUNDS + 1) * N)).toFixed(0)} bytes of JSON per message)`);
out?.end();
rmSync(work, { recursive: true, force: true });
