import type { Redis as RedisClient } from 'ioredis';
import { eventBytes, type MtaEvent } from '../event.js';
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

const loadIoredis = () => loadOptional<typeof import('ioredis')>('ioredis', 'a Redis Streams event sink');

/**
 * One script call per batch instead of one XADD per event: the client then builds, sends and
 * parses one command and one integer reply per batch, which halved the sink's CPU per event (see
 * docs/events.md). Scripts are not rolled back, so a batch that fails midway leaves its first
 * entries in the stream and is sent again whole: duplicates that consumers drop by `event_id`.
 * `replicate_commands` makes Redis 5 accept XADD's generated ids in a script (a no-op from 7).
 */
const XADD_BATCH = `
if redis.replicate_commands then redis.replicate_commands() end
local maxlen = ARGV[1]
for i = 2, #ARGV, 4 do
  if maxlen == '' then
    redis.call('XADD', KEYS[1], '*', 'event_id', ARGV[i], 'type', ARGV[i + 1], 'tenant', ARGV[i + 2], 'data', ARGV[i + 3])
  else
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*', 'event_id', ARGV[i], 'type', ARGV[i + 1], 'tenant', ARGV[i + 2], 'data', ARGV[i + 3])
  end
end
return (#ARGV - 1) / 4`;

/**
 * Appends each event to a Redis stream (`XADD`) with fields `event_id`, `type`, `tenant` and
 * `data` (the event JSON). A batch goes in one script call (EVALSHA, which ioredis falls back to
 * EVAL for); consumers deduplicate on `event_id`.
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
    const args: Array<string | Buffer> = [this.#options.maxLen ? String(this.#options.maxLen) : ''];
    for (const e of events) args.push(e.event_id, e.type, e.tenant ?? '', eventBytes(e));
    await (client as RedisClient & { mtakitXaddBatch(stream: string, ...args: Array<string | Buffer>): Promise<number> })
      .mtakitXaddBatch(this.#options.stream ?? 'mtakit:events', ...args)
      .catch((e: Error) => {
        throw new SinkError(`${this.target}: ${e.message}`, { cause: e });
      });
  }

  async prepare(): Promise<void> {
    await loadIoredis();
  }

  async close(): Promise<void> {
    const client = await this.#client?.catch(() => undefined);
    client?.disconnect();
  }

  #connect(): Promise<RedisClient> {
    this.#client ??= loadIoredis().then(({ Redis }) => {
      const timeout = this.#options.timeoutMs ?? 5_000;
      const client = new Redis(this.#options.url, {
        connectTimeout: timeout, commandTimeout: timeout, maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true,
      });
      // The dispatcher sees each failure through `send`; without a listener ioredis would print
      // "Unhandled error event" for every reconnect attempt while the server is down.
      client.on('error', () => undefined);
      client.defineCommand('mtakitXaddBatch', { numberOfKeys: 1, lua: XADD_BATCH });
      return client.connect().then(() => client, (e: Error) => {
        this.#client = undefined;
        client.disconnect();
        throw new SinkError(`${this.target}: ${e.message}`, { cause: e });
      });
    });
    return this.#client;
  }
}
