import { eventJson, type MtaEvent } from '../event.js';
import { BROKER_BATCH_SIZE, type EventSink, SinkError } from '../sink.js';
import { loadOptional } from './load-optional.js';

/** The part of a kafkajs producer this sink uses (kafkajs's `Producer` has this shape). */
export interface KafkaProducer {
  connect(): Promise<void>;
  send(record: {
    topic: string;
    acks: number;
    timeout: number;
    messages: Array<{ key: string; value: string; headers: Record<string, string> }>;
  }): Promise<unknown>;
  disconnect(): Promise<void>;
}

export interface KafkaOptions {
  /** `host:port` of the bootstrap brokers. */
  brokers: readonly string[];
  /** Topic (default `mtakit.events`); it must exist unless the cluster creates topics on first use. */
  topic?: string;
  clientId?: string;
  /** Per request (ms, default 5 s). */
  timeoutMs?: number;
  /** Makes the producer; default: kafkajs's idempotent producer (the optional peer dependency `kafkajs`). */
  producer?: () => KafkaProducer | Promise<KafkaProducer>;
}

/** Errors that resending the same batch cannot fix: the batch goes to the dead-letter store. */
type KafkaJs = { Kafka: new (config: { clientId: string; brokers: string[]; connectionTimeout: number }) => { producer(config: { idempotent: boolean; maxInFlightRequests: number }): KafkaProducer } };
const loadKafkajs = () => loadOptional<KafkaJs>('kafkajs', 'a Kafka event sink');

const PERMANENT = new Set(['MESSAGE_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'RECORD_LIST_TOO_LARGE']);

/**
 * Publishes a batch in one produce request with `acks: -1` (every in-sync replica), keyed by the
 * message id so that the events of one message land on one partition, in order. Headers carry
 * `event_id`, `type` and `tenant`; the value is the event JSON. Consumers deduplicate on `event_id`.
 * No Kafka broker is installable on mtakit's test machines: this sink is tested against a fake
 * producer only (packages/events/src/sinks/kafka.test.ts).
 */
export class KafkaSink implements EventSink {
  readonly target: string;
  readonly defaultBatchSize = BROKER_BATCH_SIZE;
  readonly #options: KafkaOptions;
  #producer: Promise<KafkaProducer> | undefined;

  constructor(options: KafkaOptions) {
    this.#options = options;
    this.target = `kafka://${options.brokers.join(',')}/${this.#topic}`;
  }

  get #topic(): string {
    return this.#options.topic ?? 'mtakit.events';
  }

  async send(events: readonly MtaEvent[]): Promise<void> {
    const producer = await this.#connect();
    const messages = events.map((e) => ({
      key: e.event_id.split('.')[0] as string,
      value: eventJson(e),
      headers: { event_id: e.event_id, type: e.type, tenant: e.tenant ?? '' },
    }));
    try {
      await producer.send({ topic: this.#topic, acks: -1, timeout: this.#options.timeoutMs ?? 5_000, messages });
    } catch (error) {
      const type = (error as { type?: unknown }).type;
      throw new SinkError(`${this.target}: ${(error as Error).message}`, { cause: error, permanent: typeof type === 'string' && PERMANENT.has(type) });
    }
  }

  async prepare(): Promise<void> {
    if (!this.#options.producer) await loadKafkajs();
  }

  async close(): Promise<void> {
    const producer = await this.#producer?.catch(() => undefined);
    await producer?.disconnect();
  }

  #connect(): Promise<KafkaProducer> {
    this.#producer ??= (async () => {
      const producer = this.#options.producer ? await this.#options.producer() : await this.#kafkajs();
      try {
        await producer.connect();
        return producer;
      } catch (error) {
        this.#producer = undefined;
        throw new SinkError(`${this.target}: ${(error as Error).message}`, { cause: error });
      }
    })();
    return this.#producer;
  }

  async #kafkajs(): Promise<KafkaProducer> {
    const { Kafka } = await loadKafkajs();
    const kafka = new Kafka({ clientId: this.#options.clientId ?? 'mtakit', brokers: [...this.#options.brokers], connectionTimeout: this.#options.timeoutMs ?? 5_000 });
    // Idempotent: the producer's own retries never write a message twice (resends after a
    // failed batch still can, hence the event_id header).
    return kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  }
}
