/**
 * @mtakit/events — log records pushed out of the MTA: a durable on-disk queue per endpoint,
 * batching, per-message ordering, retries with backoff and jitter, circuit breakers, dead-letter
 * stores, and sinks for signed webhooks, NATS JetStream, RabbitMQ and Redis Streams.
 */
export { EventHub, type EventHubOptions, type EndpointConfig, type EndpointDefinition, type EventDispatch } from './hub.js';
export { eventIdOf, tenantOf, toEvent, matchesFilter, type MtaEvent, type EventFilter } from './event.js';
export { SinkError, type EventSink } from './sink.js';
export { WebhookSink, type WebhookOptions } from './sinks/webhook.js';
export { SIGNATURE_HEADER, signatureHeader, verifySignature, type VerifyResult } from './signature.js';
export { backoffDelay, CircuitBreaker, type BackoffOptions, type BreakerOptions, type BreakerState } from './retry.js';
export type { DeadLetter } from './dead-letters.js';
export type { EndpointStatus } from './stats.js';
export { dispatchFromConfig, endpointsFromConfig, journalSyncFromConfig } from './config.js';
export type { JournalSync } from './journal.js';
export { RedisStreamSink, type RedisStreamOptions } from './sinks/redis-streams.js';
export { NatsSink, subjectFor, type NatsOptions } from './sinks/nats.js';
export { AmqpSink, type AmqpOptions } from './sinks/amqp.js';
export { KafkaSink, type KafkaOptions, type KafkaProducer } from './sinks/kafka.js';
export { eventsPlugin, type EventsPluginOptions } from './plugin.js';
export { LogArchiver, compressSegment, followLogs, listSegments, queryLogDirs, queryLogs, recordMatches, logsPlugin, logQueryFrom, type LogArchiverOptions, type LogQuery, type Segment, type LogsPluginOptions } from './logs/index.js';
