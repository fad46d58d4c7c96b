import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { eventBytes, type MtaEvent } from '../event.js';
import { BROKER_BATCH_SIZE, type EventSink, SinkError } from '../sink.js';
import { loadOptional } from './load-optional.js';
import { subjectFor } from './nats.js';

export interface AmqpOptions {
  /** `amqp://user:pass@host:port/vhost`; the credentials never appear in logs or metrics. */
  url: string;
  /** Topic exchange, declared durable if missing (default `mtakit.events`). */
  exchange?: string;
  timeoutMs?: number;
}

/**
 * Publishes to a RabbitMQ topic exchange over a confirm channel: persistent messages with
 * `messageId` = event id and routing key `<tenant or _>.<type>`; a batch succeeds when the broker
 * has confirmed every message. Needs the optional peer dependency `amqplib`.
 */
export class AmqpSink implements EventSink {
  readonly target: string;
  readonly defaultBatchSize = BROKER_BATCH_SIZE;
  readonly #options: AmqpOptions;
  #conn: Promise<{ model: ChannelModel; channel: ConfirmChannel }> | undefined;

  constructor(options: AmqpOptions) {
    this.#options = options;
    const url = new URL(options.url);
    this.target = `amqp://${url.host}${url.pathname}#${this.#exchange}`;
  }

  get #exchange(): string {
    return this.#options.exchange ?? 'mtakit.events';
  }

  async send(events: readonly MtaEvent[]): Promise<void> {
    const { channel } = await this.#connect();
    try {
      for (const e of events) {
        const key = subjectFor('', e).slice(1);
        channel.publish(this.#exchange, key, eventBytes(e), {
          persistent: true, messageId: e.event_id, contentType: 'application/json', type: e.type,
        });
      }
      await channel.waitForConfirms();
    } catch (error) {
      this.#reset();
      throw new SinkError(`${this.target}: ${(error as Error).message}`, { cause: error });
    }
  }

  async prepare(): Promise<void> {
    await loadAmqplib();
  }

  async close(): Promise<void> {
    const conn = await this.#conn?.catch(() => undefined);
    await conn?.model.close().catch(() => undefined);
  }

  #reset(): void {
    const old = this.#conn;
    this.#conn = undefined;
    void old?.then((c) => c.model.close()).catch(() => undefined);
  }

  #connect(): Promise<{ model: ChannelModel; channel: ConfirmChannel }> {
    this.#conn ??= (async () => {
      const amqp = await loadAmqplib();
      try {
        const model = await amqp.connect(this.#options.url, { timeout: this.#options.timeoutMs ?? 5_000 });
        // A dropped connection is noticed by the next send; this listener keeps it from being an uncaught error.
        model.on('error', () => undefined);
        model.on('close', () => { this.#conn = undefined; });
        const channel = await model.createConfirmChannel();
        channel.on('error', () => undefined);
        await channel.assertExchange(this.#exchange, 'topic', { durable: true });
        return { model, channel };
      } catch (error) {
        this.#conn = undefined;
        throw new SinkError(`${this.target}: ${(error as Error).message}`, { cause: error });
      }
    })();
    return this.#conn;
  }
}

const loadAmqplib = () => loadOptional<typeof import('amqplib')>('amqplib', 'a RabbitMQ event sink');
