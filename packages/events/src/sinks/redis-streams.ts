import type { Redis as RedisClient } from 'ioredis';
import { eventBytes, type MtaEvent } from '../event.js';
import { BROKER_BATCH_SIZE, type EventSink, SinkError } from '../sink.js';
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
 * One script call per batch instead of one XADD per event, and the whole batch as one argument:
 * ioredis then builds, sends and parses one command of three arguments and one integer reply per
 * batch (with four arguments per event, building them was most of its CPU). The batch is each
 * event's `event_id`, `type`, `tenant` and `data` (its JSON) in turn, each as `<byte length>:<bytes>`,
 * split again by the script. Scripts are not rolled back, so a batch that fails midway leaves its
 * first entries in the stream and is sent again whole: duplicates that consumers drop by `event_id`.
 * `replicate_commands` makes Redis 5 accept XADD's generated ids in a script (a no-op from 7).
 */
const XADD_BATCH = `
if redis.replicate_commands then redis.replicate_commands() end
local maxlen = ARGV[1]
local batch = ARGV[2]
local pos = 1
local function field()
  local colon = string.find(batch, ':', pos, true)
  local length = tonumber(string.sub(batch, pos, colon - 1))
  pos = colon + length + 1
  return string.sub(batch, colon + 1, colon + length)
end
local n = 0
while pos <= #batch do
  local id = field()
  local type = field()
  local tenant = field()
  local data = field()
  if maxlen == '' then
    redis.call('XADD', KEYS[1], '*', 'event_id', id, 'type', type, 'tenant', tenant, 'data', data)
  else
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*', 'event_id', id, 'type', type, 'tenant', tenant, 'data', data)
  end
  n = n + 1
end
return n`;

/**
 * Appends each event to a Redis stream (`XADD`) with fields `event_id`, `type`, `tenant` and
 * `data` (the event JSON). A batch goes in one script call (EVALSHA, which ioredis falls back to
 * EVAL for); consumers deduplicate on `event_id`.
 * Needs the optional peer dependency `ioredis`.
 */
export class RedisStreamSink implements EventSink {
  readonly target: string;
  readonly defaultBatchSize = BROKER_BATCH_SIZE;
  readonly #options: RedisStreamOptions;
  #client: Promise<RedisClient> | undefined;

  constructor(options: RedisStreamOptions) {
    this.#options = options;
    const url = new URL(options.url);
    this.target = `redis://${url.host}/${options.stream ?? 'mtakit:events'}`;
  }

  async send(events: readonly MtaEvent[]): Promise<void> {
    const client = await this.#connect();
    await (client as RedisClient & { mtakitXaddBatch(stream: string, maxLen: string, batch: Buffer): Promise<number> })
      .mtakitXaddBatch(this.#options.stream ?? 'mtakit:events', this.#options.maxLen ? String(this.#options.maxLen) : '', batchOf(events))
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

/** The script's one argument (see XADD_BATCH): per event its id, type, tenant and JSON, each `<byte length>:<bytes>`. */
export function batchOf(events: readonly MtaEvent[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of events) {
    const data = eventBytes(e);
    const tenant = e.tenant ?? '';
    parts.push(Buffer.from(`${Buffer.byteLength(e.event_id)}:${e.event_id}${e.type.length}:${e.type}${Buffer.byteLength(tenant)}:${tenant}${data.length}:`), data);
  }
  return Buffer.concat(parts);
}
