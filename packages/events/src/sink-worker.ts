// The events worker thread (see WorkerEngine): a LocalEngine built from the endpoints' definitions,
// following the journal the main thread writes. It never writes a journal segment; it reads the
// main thread's chunks, sends, acknowledges (cursors), dead-letters and deletes passed segments.
import { parentPort, workerData } from 'node:worker_threads';
import { MtaKitError } from '@mtakit/core';
import { endpointsFromDefinitions } from './config.js';
import { ChunkRing } from './chunk-ring.js';
import { LocalEngine } from './engine.js';
import type { ToMain, ToWorker, WorkerSetup } from './worker-protocol.js';

/** How often the counters go to the main thread's metrics (ms). */
const STATS_MS = 250;
/**
 * How often the ring is drained (ms): the main thread never wakes this one for a handover (see
 * ChunkRing), so an event waits up to this long before its lane sees it. As long as the lanes'
 * default batch wait: a lane that found a short batch sees one more drain before it sends, so
 * under load each lane wakes about once per drain and sends what two drains brought (every 20 ms,
 * it woke more often and sent smaller batches).
 */
const DRAIN_MS = 50;

if (!parentPort) throw new MtaKitError('E_EVENTS', '@mtakit/events/sink-worker is the events worker thread (EventHub dispatch: worker starts it); it is not for import');
const port = parentPort;
const setup = workerData as WorkerSetup;
const post = (message: ToMain) => port.postMessage(message);

let engine: LocalEngine;
try {
  engine = new LocalEngine({
    // No `sync`: the main thread's journal writer keeps its own (with `fsync` each append waits
    // for it there); this follower runs the background fdatasync of `write` (see SegmentWriter).
    dir: setup.dir, endpoints: endpointsFromDefinitions(setup.definitions), follow: setup.from, warn: (message) => post({ op: 'warn', message }),
  });
  await engine.start();
} catch (error) {
  post({ op: 'fatal', message: (error as Error).message });
  process.exit(1);
}

let reported = '';
const report = () => {
  const stats = engine.stats();
  const text = JSON.stringify(stats);
  if (text !== reported) post({ op: 'stats', stats });
  reported = text;
};
const timer = setInterval(report, STATS_MS);
const ring = new ChunkRing(setup.ring);
const drain = () => {
  for (const chunk of ring.drain()) engine.follow(chunk);
};
const draining = setInterval(drain, DRAIN_MS);

port.on('message', (m: ToWorker) => {
  if (m.op !== 'stop') return;
  clearInterval(timer);
  clearInterval(draining);
  // The main thread's last writes are in the ring: follow them, so the last report's backlog counts them.
  drain();
  void engine.stop().finally(() => {
    report();
    process.exit(0);
  });
});
post({ op: 'ready' });
