import type { DeadLetter } from './dead-letters.js';
import type { EndpointDefinition } from './hub.js';
import type { JournalSync } from './journal.js';
import type { EndpointStatus } from './stats.js';

/** What the events worker is started with (its `workerData`). */
export interface WorkerSetup {
  dir: string;
  definitions: readonly EndpointDefinition[];
  sync?: JournalSync;
}

/** Messages to the worker: one `append` per event-loop turn (each group's events joined by newlines). */
export type ToWorker =
  | { op: 'append'; id: number; groups: { to: readonly string[]; json: string }[] }
  | { op: 'dead-letters'; id: number; endpoint: string; limit?: number }
  | { op: 'replay'; id: number; endpoint: string }
  | { op: 'stop' };

/** Messages from the worker: `done` answers a request by id (`error` when it failed). */
export type ToMain =
  | { op: 'ready' }
  | { op: 'fatal'; message: string }
  | { op: 'done'; id: number; error?: string; value?: number | DeadLetter[] }
  | { op: 'stats'; stats: EndpointStatus[] }
  | { op: 'warn'; message: string };
