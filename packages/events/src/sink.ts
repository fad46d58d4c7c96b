import { MtaKitError } from '@mtakit/core';
import type { MtaEvent } from './event.js';

/**
 * Where events go: a webhook endpoint, a broker subject or stream. `send` delivers a whole batch
 * or throws; the dispatcher owns retries, ordering and dead letters, so a sink is a thin adapter.
 */
export interface EventSink {
  /** Human-readable target for logs and metrics (never containing credentials). */
  readonly target: string;
  /**
   * Events per batch when the endpoint sets none (the lanes' default is 100). Brokers take 500: a
   * batch is one script call or one run of publishes awaiting their acknowledgements, so fewer,
   * larger batches cost less per event, and no receiver limits the size of a request.
   */
  readonly defaultBatchSize?: number;
  send(events: readonly MtaEvent[], signal: AbortSignal): Promise<void>;
  /**
   * Loads what the sink needs before the first batch, without touching the network: a client
   * library imported in the middle of traffic stalls the MTA's event loop for a few hundred ms.
   * The hub awaits it at start and only warns when it fails (`send` then reports the failure).
   */
  prepare?(): Promise<void>;
  close?(): Promise<void>;
}

/** See `EventSink.defaultBatchSize`. */
export const BROKER_BATCH_SIZE = 500;

/**
 * A delivery failure. `permanent` means retrying cannot help (the receiver refused the content):
 * the batch goes to the dead-letter store at once instead of waiting out the retry window.
 */
export class SinkError extends MtaKitError {
  static override readonly brand: string = 'mtakit.SinkError';
  readonly permanent: boolean;

  constructor(message: string, options: { permanent?: boolean; cause?: unknown } = {}) {
    super('E_SINK', message, { cause: options.cause });
    this.permanent = options.permanent ?? false;
  }
}
