// The events worker thread (see WorkerEngine): a LocalEngine built from the endpoints' definitions,
// fed by the main thread's `append` messages. Each append is written to the journal (one write for
// the message) before it is answered, so the main thread's publish resolves only once it is durable.
import { parentPort, workerData } from 'node:worker_threads';
import { endpointsFromDefinitions } from './config.js';
import { LocalEngine } from './engine.js';
import { eventFromJson } from './event.js';
import type { ToMain, ToWorker, WorkerSetup } from './worker-protocol.js';

/** How often the counters go to the main thread's metrics (ms). */
const STATS_MS = 250;

const port = parentPort as NonNullable<typeof parentPort>;
const setup = workerData as WorkerSetup;
const post = (message: ToMain) => port.postMessage(message);

let engine: LocalEngine;
try {
  engine = new LocalEngine({ dir: setup.dir, endpoints: endpointsFromDefinitions(setup.definitions), ...(setup.sync ? { sync: setup.sync } : {}), warn: (message) => post({ op: 'warn', message }) });
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

const answer = (id: number, work: Promise<number | import('./dead-letters.js').DeadLetter[] | undefined | void>) =>
  work.then((value) => post({ op: 'done', id, ...(value === undefined ? {} : { value }) }), (error: Error) => post({ op: 'done', id, error: error.message }));

port.on('message', (m: ToWorker) => {
  switch (m.op) {
    case 'append': {
      // Every group in this one turn of the worker: the journal writes them together.
      const written = m.groups.map((g) => engine.enqueue(g.json.split('\n').map(eventFromJson), g.to));
      answer(m.id, Promise.all(written).then(() => undefined));
      break;
    }
    case 'dead-letters':
      answer(m.id, engine.deadLetters(m.endpoint, m.limit));
      break;
    case 'replay':
      answer(m.id, engine.replayDeadLetters(m.endpoint));
      break;
    case 'stop':
      clearInterval(timer);
      void engine.stop().finally(() => {
        report();
        process.exit(0);
      });
      break;
  }
});
post({ op: 'ready' });
