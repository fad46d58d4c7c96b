import type { JetStreamClient, NatsConnection } from 'nats';
import { eventBytes, type MtaEvent } from '../event.js';
import { BROKER_BATCH_SIZE, type EventSink, SinkError } from '../sink.js';
import { loadOptional } from './load-optional.js';

export interface NatsOptions {
  /** `host:port` list (default `127.0.0.1:4222`). */
  servers: string | string[];
  /**
   * Subject prefix (default `mtakit.events`): an event goes to `<prefix>.<tenant or _>.<type>`,
   * so subscribers can select by tenant and type with subject wildcards.
   */
  subjectPrefix?: string;
  /** JetStream stream to create if missing, capturing `<prefix>.>` (default `MTAKIT_EVENTS`); null: do not create. */
  stream?: string | null;
  timeoutMs?: number;
}

/**
 * Publishes to NATS JetStream with `Nats-Msg-Id` set to the event id, so JetStream's duplicate
 * window drops a resend of an event it already stored. Needs the optional peer dependency `nats`.
 */
export class NatsSink implements EventSink {
  readonly target: string;
  readonly defaultBatchSize = BROKER_BATCH_SIZE;
  readonly #options: NatsOptions;
  #conn: Promise<{ nc: NatsConnection; js: JetStreamClient }> | undefined;

  constructor(options: NatsOptions) {
    this.#options = options;
    this.target = `nats://${[options.servers].flat().join(',')}/${this.#prefix}`;
  }

  get #prefix(): string {
    return this.#options.subjectPrefix ?? 'mtakit.events';
  }

  async send(events: readonly MtaEvent[]): Promise<void> {
    const { js } = await this.#connect();
    try {
      await Promise.all(events.map((e) => js.publish(subjectFor(this.#prefix, e), eventBytes(e), {
        msgID: e.event_id, timeout: this.#options.timeoutMs ?? 5_000,
      })));
    } catch (error) {
      throw new SinkError(`${this.target}: ${(error as Error).message}`, { cause: error });
    }
  }

  async prepare(): Promise<void> {
    await loadNats();
  }

  async close(): Promise<void> {
    const conn = await this.#conn?.catch(() => undefined);
    await conn?.nc.close();
  }

  #connect(): Promise<{ nc: NatsConnection; js: JetStreamClient }> {
    this.#conn ??= (async () => {
      const nats = await loadNats();
      try {
        const nc = await nats.connect({ servers: this.#options.servers, timeout: this.#options.timeoutMs ?? 5_000, maxReconnectAttempts: -1 });
        const stream = this.#options.stream === undefined ? 'MTAKIT_EVENTS' : this.#options.stream;
        if (stream !== null) {
          const jsm = await nc.jetstreamManager();
          await jsm.streams.info(stream).catch(() => jsm.streams.add({ name: stream, subjects: [`${this.#prefix}.>`] }));
        }
        return { nc, js: nc.jetstream() };
      } catch (error) {
        this.#conn = undefined;
        throw new SinkError(`${this.target}: ${(error as Error).message}`, { cause: error });
      }
    })();
    return this.#conn;
  }
}

const loadNats = () => loadOptional<typeof import('nats')>('nats', 'a NATS event sink');

/** Subject tokens may not contain `.`, `*`, `>` or white space: those become `_`. */
export function subjectFor(prefix: string, event: MtaEvent): string {
  const token = (s: string) => s.replace(/[.*>\s]/g, '_') || '_';
  return `${prefix}.${token(event.tenant ?? '')}.${token(event.type)}`;
}
