import type { EndpointDefinition } from './hub.js';
import type { JournalChunk, JournalPosition } from './journal.js';
import type { EndpointStatus } from './stats.js';

/** What the events worker is started with (its `workerData`): the endpoints, and where the main thread's journal stood. */
export interface WorkerSetup {
  dir: string;
  definitions: readonly EndpointDefinition[];
  from: JournalPosition;
}

/** Messages to the worker: what the journal wrote since the last one, in order; then `stop`. */
export type ToWorker = { op: 'written'; chunks: JournalChunk[] } | { op: 'stop' };

/** Messages from the worker. */
export type ToMain =
  | { op: 'ready' }
  | { op: 'fatal'; message: string }
  | { op: 'stats'; stats: EndpointStatus[] }
  | { op: 'warn'; message: string };
