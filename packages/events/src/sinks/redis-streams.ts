import type { Redis as RedisClient } from 'ioredis';
import { eventJson, type MtaEvent } from '../event.js';
import { SinkError, type EventSink } from '../sink.js';
import { loadOptional } from './load-optional.js';

export interface RedisStreamOptions {
  url: string;
  /** Stream key (default `mtakit:events`). */
  stream?: string;
  /** Approximate cap on the stream's length (`XADD … MAXLEN ~ n`); unset keeps everything. */
  maxLen?: number;
  /** Connect and per-command timeout (ms). */
  timeoutMs?: number;
}

/**
 * Appends each event to a Redis stream (`XADD`) with fields `event_id`, `type`, `tenant` and
 * `data` (the event JSON). A batch goes in one pipeline; consumers deduplicate on `event_id`.
 * Needs the optional peer dependency `ioredis`.
 */
export class RedisStreamSink implements EventSink {
  readonly target: string;
  readonly #options: RedisStreamOptions;
  #client: Promise<RedisClient> | undefined;

  constructor(options: RedisStreamOptions) {
    this.#options = options;
    const url = new URL(options.url);
    this.target = `redis://${url.host}/${options.stream ?? 'mtakit:events'}`;
  }

  async send(events: readonly MtaEvent[]): Promise<void> {
    const client = await this.#connect();
    const stream = this.#options.stream ?? 'mtakit:events';
    const trim = this.#options.maxLen ? ['MAXLEN', '~', String(this.#options.maxLen)] : [];
    const pipeline = client.pipeline();
    for (const e of events) pipeline.xadd(stream, ...trim, '*', 'event_id', e.event_id, 'type', e.type, 'tenant', e.tenant ?? '', 'data', eventJson(e));
    const results = await pipeline.exec().catch((e: Error) => {
      throw new SinkError(`${this.target}: ${e.message}`, { cause: e });
    });
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw new SinkError(`${this.target}: ${failed?.[0]?.message ?? 'no reply'}`);
  }

  async close(): Promise<void> {
    const client = await this.#client?.catch(() => undefined);
    client?.disconnect();
  }

  #connect(): Promise<RedisClient> {
    this.#client ??= loadOptional<typeof import('ioredis')>('ioredis', 'a Redis Streams event sink').then(({ Redis }) => {
      const timeout = this.#options.timeoutMs ?? 5_000;
      const client = new Redis(this.#options.url, {
        connectTimeout: timeout, commandTimeout: timeout, maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true,
      });
      // The dispatcher sees each failure through `send`; without a listener ioredis would print
      // "Unhandled error event" for every reconnect attempt while the server is down.
      client.on('error', () => undefined);
      return client.connect().then(() => client, (e: Error) => {
        this.#client = undefined;
        client.disconnect();
        throw new SinkError(`${this.target}: ${e.message}`, { cause: e });
      });
    });
    return this.#client;
  }
}
