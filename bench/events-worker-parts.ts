/**
 * CPU per event of the events worker's own steps, on one thread with no network: following the
 * journal's chunks (decoding the line heads and routing each event to its lane's reader, as the
 * worker does for a webhook with two lanes and a Redis stream), the lanes taking their batches,
 * and building each batch's Redis script argument and signed webhook array body. Under a load that
 * makes the whole-pipeline benches (events-hub, events-e2e) swing by a third, these steps alone
 * are steady enough to compare two versions of them.
 *
 *   node --conditions=@mtakit/source --import tsx bench/events-worker-parts.ts [--events 30000] [--rounds 7]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { recordJson } from '@mtakit/core';
import { testRecord } from '../packages/events/src/testing/records.js';
import { toEvent, type MtaEvent } from '../packages/events/src/event.js';
import { Journal, type JournalChunk } from '../packages/events/src/journal.js';
import { batchOf } from '../packages/events/src/sinks/redis-streams.js';
import { arrayBody } from '../packages/events/src/sinks/webhook.js';
import { signatureHeader } from '../packages/events/src/signature.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '30000' }, rounds: { type: 'string', default: '7' } } });
const total = Number(values.events);
const dir = mkdtempSync(join(tmpdir(), 'mtakit-bench-parts-'));
const NO_WAIT = AbortSignal.abort();
// The e2e bench's endpoints: a webhook with two lanes and a Redis stream, both taking every event.
const lanes = [{ endpoint: 'hook', lanes: 2 }, { endpoint: 'stream', lanes: 1 }];
const specs = lanes.flatMap(({ endpoint, lanes: n }) => Array.from({ length: n }, (_, lane) => ({ name: `${endpoint}/${lane}`, endpoint, lane, lanes: n })));

// The chunks a main thread writes: ten events per event-loop turn, as under an MTA's load.
const chunks: JournalChunk[] = [];
const writer = new Journal(join(dir, 'journal'), { role: 'writer', onWritten: (c) => chunks.push(c) });
await writer.open([]);
const position = writer.position();
const events: MtaEvent[] = Array.from({ length: total }, (_, i) => toEvent(testRecord(i + 1, i % 3 === 0 ? 'Reception' : 'Delivery')));
for (const e of events) recordJson(e.record);
for (let i = 0; i < total; i += 10) await writer.append(events.slice(i, i + 10), ['hook', 'stream']);
await writer.close();

const cpu = (run: () => Promise<void> | void) => async () => {
  const t0 = process.cpuUsage();
  await run();
  const u = process.cpuUsage(t0);
  return (u.user + u.system) / total;
};
// The batches as the lanes took them (events held as spans of the chunks), for the sinks' steps.
let batches: MtaEvent[][] = [];
const steps: Record<string, () => Promise<number>> = {
  // Following every chunk and taking every batch of 100 (what the lanes read), nothing sent.
  follow: cpu(async () => {
    const follower = new Journal(join(dir, 'journal'), { role: 'follower', cursorFlushMs: 3_600_000, syncIntervalMs: 3_600_000 });
    await follower.open(specs, position);
    const readers = specs.map((s) => follower.reader(s.name));
    const taken: MtaEvent[][] = [];
    for (const [i, chunk] of chunks.entries()) {
      follower.follow(chunk);
      if (i % 10 !== 9) continue;
      for (const r of readers) {
        for (let got = 1; got > 0; ) {
          const { entries } = await r.next(100, NO_WAIT);
          got = entries.length;
          if (got > 0 && r.endpoint === 'stream') taken.push(entries.map((e) => e.event));
        }
      }
    }
    batches = taken;
    await follower.close();
  }),
  redis: cpu(() => {
    for (const batch of batches) batchOf(batch);
  }),
  webhook: cpu(() => {
    for (const batch of batches) signatureHeader(arrayBody(batch), ['bench'], 1_700_000_000);
  }),
};
const results: Record<string, number[]> = {};
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [name, step] of Object.entries(steps)) (results[name] ??= []).push(await step());
}
rmSync(dir, { recursive: true, force: true });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
for (const [name, xs] of Object.entries(results)) {
  console.log(`${name}: ${median(xs).toFixed(2)} µs CPU/event (median of ${xs.length}; ${xs.map((x) => x.toFixed(2)).join(' ')})`);
}
