import { ConfigError, durationOption, LOG_RECORD_TYPES, type LogRecordType } from '@mtakit/core';
import type { EndpointConfig, EndpointDefinition, EventDispatch } from './hub.js';
import type { JournalSync } from './journal.js';
import type { EventSink } from './sink.js';
import { AmqpSink } from './sinks/amqp.js';
import { KafkaSink } from './sinks/kafka.js';
import { NatsSink } from './sinks/nats.js';
import { RedisStreamSink } from './sinks/redis-streams.js';
import { WebhookSink } from './sinks/webhook.js';

/**
 * The `events` section of a config file, KumoMTA-style snake_case:
 *
 * ```json
 * { "endpoints": [
 *   { "name": "acme", "type": "webhook", "url": "https://hooks.acme.example/mta", "secrets_env": ["ACME_HOOK_SECRET"],
 *     "format": "array", "events": ["Delivery", "Bounce"], "tenants": ["acme"] },
 *   { "name": "bus", "type": "nats", "servers": "127.0.0.1:4222" } ] }
 * ```
 * Secrets come from the environment (`secrets_env`) so that config files can be shared and logged.
 */
const COMMON = ['name', 'type', 'events', 'tenants', 'batch_size', 'batch_wait', 'concurrency', 'retry_initial', 'retry_max', 'max_age', 'breaker_failures', 'breaker_cooldown', 'timeout'];
const BY_TYPE: Record<string, string[]> = {
  webhook: ['url', 'secrets_env', 'format', 'headers'],
  nats: ['servers', 'subject_prefix', 'stream'],
  amqp: ['url', 'exchange'],
  redis: ['url', 'stream', 'max_len'],
  kafka: ['brokers', 'topic', 'client_id'],
};

type Json = Record<string, unknown>;

export function endpointsFromConfig(section: unknown, env: NodeJS.ProcessEnv = process.env): EndpointConfig[] {
  const root = object(section, 'events');
  unknownKeys(root, ['endpoints', 'sync', 'dispatch'], 'events');
  const list = root.endpoints ?? [];
  if (!Array.isArray(list)) throw new ConfigError('events.endpoints', list, 'must be a list');
  return list.map((raw, i) => endpoint(object(raw, `events.endpoints[${i}]`), `events.endpoints[${i}]`, env));
}

/** Endpoints built again from their definitions (in the events worker thread). */
export function endpointsFromDefinitions(definitions: readonly EndpointDefinition[]): EndpointConfig[] {
  return definitions.map((d, i) => endpoint(d.config as Json, `events.endpoints[${i}]`, d.env));
}

/** The section's `dispatch`: `worker` (the default) or `main` (see `EventDispatch`). */
export function dispatchFromConfig(section: unknown): EventDispatch {
  const dispatch = object(section, 'events').dispatch ?? 'worker';
  if (dispatch !== 'worker' && dispatch !== 'main') throw new ConfigError('events.dispatch', dispatch, 'worker or main');
  return dispatch;
}

/** The section's `sync` (`write` or `fsync`, see `JournalSync`); undefined when not set. */
export function journalSyncFromConfig(section: unknown): JournalSync | undefined {
  const sync = object(section, 'events').sync;
  if (sync === undefined) return undefined;
  if (sync !== 'write' && sync !== 'fsync') throw new ConfigError('events.sync', sync, 'write or fsync');
  return sync;
}

function endpoint(e: Json, at: string, env: NodeJS.ProcessEnv): EndpointConfig {
  const type = String(e.type ?? '');
  const own = BY_TYPE[type];
  if (!own) throw new ConfigError(`${at}.type`, e.type, `one of ${Object.keys(BY_TYPE).join(', ')}`);
  unknownKeys(e, [...COMMON, ...own], at);
  const ms = (key: string) => (e[key] === undefined ? undefined : durationOption(`${at}.${key}`, e[key] as string));
  const int = (key: string) => (e[key] === undefined ? undefined : wholeNumber(e[key], `${at}.${key}`));
  const timeoutMs = ms('timeout');
  const secretNames = e.secrets_env === undefined ? [] : strings(e.secrets_env, `${at}.secrets_env`);
  const config: EndpointConfig = {
    name: String(e.name ?? ''),
    sink: sinkFor(type, e, at, env, timeoutMs),
    // Only the variables the endpoint names travel with it (sinkFor has refused unset ones).
    definition: { config: e, env: Object.fromEntries(secretNames.map((name) => [name, env[name] as string])) },
    filter: { ...(e.events !== undefined ? { types: recordTypes(e.events, `${at}.events`) } : {}), ...(e.tenants !== undefined ? { tenants: strings(e.tenants, `${at}.tenants`) } : {}) },
  };
  const batchSize = int('batch_size');
  const concurrency = int('concurrency');
  const batchWaitMs = ms('batch_wait');
  const maxAgeMs = ms('max_age');
  const initialMs = ms('retry_initial');
  const maxMs = ms('retry_max');
  const failureThreshold = int('breaker_failures');
  const cooldownMs = ms('breaker_cooldown');
  if (batchSize !== undefined) config.batchSize = batchSize;
  if (concurrency !== undefined) config.concurrency = concurrency;
  if (batchWaitMs !== undefined) config.batchWaitMs = batchWaitMs;
  if (maxAgeMs !== undefined) config.maxAgeMs = maxAgeMs;
  config.backoff = { ...(initialMs !== undefined ? { initialMs } : {}), ...(maxMs !== undefined ? { maxMs } : {}) };
  config.breaker = { ...(failureThreshold !== undefined ? { failureThreshold } : {}), ...(cooldownMs !== undefined ? { cooldownMs } : {}) };
  return config;
}

function sinkFor(type: string, e: Json, at: string, env: NodeJS.ProcessEnv, timeoutMs: number | undefined): EventSink {
  const timeout = timeoutMs === undefined ? {} : { timeoutMs };
  const url = () => requiredString(e.url, `${at}.url`);
  switch (type) {
    case 'webhook': {
      const secrets = e.secrets_env === undefined ? [] : strings(e.secrets_env, `${at}.secrets_env`).map((name) => {
        const value = env[name];
        if (!value) throw new ConfigError(`${at}.secrets_env`, name, `environment variable ${name} is not set`);
        return value;
      });
      const format = e.format ?? 'object';
      if (format !== 'object' && format !== 'array') throw new ConfigError(`${at}.format`, format, 'object or array');
      const headers = e.headers === undefined ? undefined : object(e.headers, `${at}.headers`) as Record<string, string>;
      return new WebhookSink({ url: url(), secrets, format, ...timeout, ...(headers ? { headers } : {}) });
    }
    case 'nats':
      return new NatsSink({
        servers: e.servers === undefined ? '127.0.0.1:4222' : (e.servers as string | string[]),
        ...(e.subject_prefix !== undefined ? { subjectPrefix: requiredString(e.subject_prefix, `${at}.subject_prefix`) } : {}),
        ...(e.stream !== undefined ? { stream: e.stream as string | null } : {}), ...timeout,
      });
    case 'kafka':
      return new KafkaSink({
        brokers: typeof e.brokers === 'string' ? [e.brokers] : strings(e.brokers ?? ['127.0.0.1:9092'], `${at}.brokers`),
        ...(e.topic !== undefined ? { topic: requiredString(e.topic, `${at}.topic`) } : {}),
        ...(e.client_id !== undefined ? { clientId: requiredString(e.client_id, `${at}.client_id`) } : {}), ...timeout,
      });
    case 'amqp':
      return new AmqpSink({ url: url(), ...(e.exchange !== undefined ? { exchange: requiredString(e.exchange, `${at}.exchange`) } : {}), ...timeout });
    default:
      return new RedisStreamSink({
        url: url(), ...(e.stream !== undefined ? { stream: requiredString(e.stream, `${at}.stream`) } : {}),
        ...(e.max_len !== undefined ? { maxLen: wholeNumber(e.max_len, `${at}.max_len`) } : {}), ...timeout,
      });
  }
}

function object(value: unknown, key: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(key, value, 'must be an object');
  return value as Json;
}

function unknownKeys(o: Json, known: readonly string[], at: string): void {
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) throw new ConfigError(`${at}.${key}`, o[key], `unknown key (known: ${known.join(', ')})`);
  }
}

function strings(value: unknown, key: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new ConfigError(key, value, 'must be a list of strings');
  return value as string[];
}

function requiredString(value: unknown, key: string): string {
  if (typeof value !== 'string' || value === '') throw new ConfigError(key, value, 'must be a non-empty string');
  return value;
}

function wholeNumber(value: unknown, key: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new ConfigError(key, value, 'must be a whole number ≥ 1');
  return value;
}

function recordTypes(value: unknown, key: string): LogRecordType[] {
  const list = strings(value, key);
  for (const t of list) {
    if (!(LOG_RECORD_TYPES as readonly string[]).includes(t)) throw new ConfigError(key, t, `not a record type (known: ${LOG_RECORD_TYPES.join(', ')})`);
  }
  return list as LogRecordType[];
}
