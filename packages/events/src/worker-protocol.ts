import type { EndpointDefinition } from './hub.js';
import type { JournalPosition } from './journal.js';
import type { EndpointStatus } from './stats.js';

/**
 * What the events worker is started with (its `workerData`): the endpoints, where the main
 * thread's journal stood, and the ring (ChunkRing) through which it hands over what it writes next.
 */
export interface WorkerSetup {
  dir: string;
  definitions: readonly EndpointDefinition[];
  from: JournalPosition;
  ring: SharedArrayBuffer;
}

/** Messages to the worker: only `stop` (the journal's chunks come through the ring). */
export type ToWorker = { op: 'stop' };

/** Messages from the worker. */
export type ToMain =
  | { op: 'ready' }
  | { op: 'fatal'; message: string }
  | { op: 'stats'; stats: EndpointStatus[] }
  | { op: 'warn'; message: string };
