import { ConfigError } from '../errors.js';
import type { Message } from '../message/message.js';
import { FieldReader, type Duration } from './fields.js';
import type { LimitSpec, RateSpec } from './rate.js';

/** One `mx_list` entry: `"host"`, `"host:port"`, `"[10.0.0.1]"`, or `{ name, addr }`. */
export type MxListEntryInput = string | { name: string; addr: string };

export interface MxListEntry {
  /** Host name (or the literal, for `[ip]` entries). */
  readonly name: string;
  /** Fixed address, if given (`[ip]` literal or `{addr}`); otherwise resolved via A/AAAA. */
  readonly addr?: string;
  readonly port?: number;
}

/** Outcome a custom (TypeScript) protocol reports for one message. */
export type CustomDeliveryResult =
  | { ok: true; response?: string }
  | { ok: false; code: number; enhanced?: string; text: string };

/** A TypeScript delivery function: the `custom` protocol (KumoMTA's `custom_lua`, in TS). */
export type CustomDeliver = (message: Message) => Promise<CustomDeliveryResult>;

export type ProtocolInput =
  | { smtp: { mx_list?: MxListEntryInput[]; treat_mx_list_as_secure?: boolean } }
  | { maildir_path: string; dir_mode?: number; file_mode?: number }
  | { custom: { name: string; deliver: CustomDeliver } };

export type Protocol =
  | { readonly kind: 'smtp'; readonly mx_list?: readonly MxListEntry[] }
  | { readonly kind: 'maildir'; readonly maildir_path: string; readonly dir_mode: number; readonly file_mode: number }
  | { readonly kind: 'custom'; readonly name: string; readonly deliver: CustomDeliver };

/** What a `get_queue_config` hook returns (KumoMTA's `kumo.make_queue_config`). */
export interface QueueConfigInput {
  /** Base of the exponential retry backoff. Default `"20 minutes"`. */
  retry_interval?: Duration;
  /** Cap on one retry step. Default: none. */
  max_retry_interval?: Duration;
  /** Expire a message this long after it was created. Default `"7 days"`. */
  max_age?: Duration;
  /** Egress pool name. Default `"unspecified"`. */
  egress_pool?: string;
  /**
   * mtakit extension: route through this single egress source instead of a pool (the shape some
   * published policies use). Ignored when `egress_pool` is set.
   */
  egress_source?: string;
  /** Scheduled→ready promotion rate for this queue. Default: none. */
  max_message_rate?: string;
  /**
   * mtakit extension: scheduled→ready promotion rate shared by every queue of this queue's tenant
   * (all its domains and campaigns), e.g. `"500/min"`, so one tenant's burst cannot take the
   * capacity the others need. Applies only to queues whose name has a tenant. Default: none.
   */
  tenant_max_message_rate?: string;
  /**
   * mtakit extension: at most this many of the tenant's messages being sent at once, over every
   * egress path (and every node, with a shared shaping store). Each send holds a lease for its
   * SMTP transaction. An integer or `"local:N"`. Applies only to queues whose name has a tenant.
   * Default: none.
   */
  tenant_connection_limit?: number | string;
  /** Delivery protocol. Default: SMTP to the routing domain's MX. */
  protocol?: ProtocolInput;
  /** Idle time before the queue object is dropped. Default `"10m"`. */
  reap_interval?: Duration;
  /** Re-run `get_queue_config` after this long (strategy `Ttl`). Default `"1m"`. */
  refresh_interval?: Duration;
  /** `Ttl` (default) or `Epoch` (keep until the config epoch is bumped). */
  refresh_strategy?: 'Ttl' | 'Epoch';
  /** Label for per-provider metrics. */
  provider_name?: string;
  /** Accepted for KumoMTA compatibility; mtakit's queue structure is fixed. */
  strategy?: string;
  timerwheel_tick_interval?: Duration;
  shrink_policy?: unknown;
}

/** A validated queue config. Durations are milliseconds. */
export interface QueueConfig {
  readonly retry_interval: number;
  readonly max_retry_interval: number | undefined;
  readonly max_age: number;
  readonly egress_pool: string;
  readonly egress_source: string | undefined;
  readonly max_message_rate: RateSpec | undefined;
  readonly tenant_max_message_rate: RateSpec | undefined;
  readonly tenant_connection_limit: LimitSpec | undefined;
  readonly protocol: Protocol;
  readonly reap_interval: number;
  readonly refresh_interval: number;
  readonly refresh_strategy: 'Ttl' | 'Epoch';
  readonly provider_name: string | undefined;
}

const KNOWN = new Set([
  'retry_interval', 'max_retry_interval', 'max_age', 'egress_pool', 'egress_source', 'max_message_rate', 'tenant_max_message_rate',
  'tenant_connection_limit', 'protocol', 'reap_interval', 'refresh_interval', 'refresh_strategy', 'provider_name', 'strategy', 'timerwheel_tick_interval', 'shrink_policy',
]);

export const UNSPECIFIED = 'unspecified';

export function resolveQueueConfig(input: QueueConfigInput = {}, prefix = 'queue_config'): QueueConfig {
  const r = new FieldReader(input as Record<string, unknown>, prefix);
  r.rejectUnknown(KNOWN);
  const retry_interval = r.duration('retry_interval', '20 minutes');
  if (retry_interval <= 0) throw new ConfigError(r.key('retry_interval'), input.retry_interval, 'must be greater than zero');
  const egress_source = r.string('egress_source');
  return {
    retry_interval,
    max_retry_interval: r.optDuration('max_retry_interval'),
    max_age: r.duration('max_age', '7 days'),
    egress_pool: r.string('egress_pool') ?? UNSPECIFIED,
    egress_source: r.has('egress_pool') ? undefined : egress_source,
    max_message_rate: r.rate('max_message_rate'),
    tenant_max_message_rate: r.rate('tenant_max_message_rate'),
    tenant_connection_limit: r.has('tenant_connection_limit') ? r.limit('tenant_connection_limit', 0) : undefined,
    protocol: resolveProtocol(input.protocol, r.key('protocol')),
    reap_interval: r.duration('reap_interval', '10m'),
    refresh_interval: r.duration('refresh_interval', '1m'),
    refresh_strategy: r.oneOf('refresh_strategy', ['Ttl', 'Epoch'] as const, 'Ttl'),
    provider_name: r.string('provider_name'),
  };
}

function resolveProtocol(input: ProtocolInput | undefined, key: string): Protocol {
  if (input === undefined) return { kind: 'smtp' };
  if (typeof input !== 'object' || input === null) throw new ConfigError(key, input, 'must be a table');
  if ('smtp' in input) {
    const list = input.smtp.mx_list;
    if (list === undefined) return { kind: 'smtp' };
    if (!Array.isArray(list) || list.length === 0) throw new ConfigError(`${key}.smtp.mx_list`, list, 'must be a non-empty list');
    return { kind: 'smtp', mx_list: list.map((e, i) => parseMxListEntry(e, `${key}.smtp.mx_list[${i}]`)) };
  }
  if ('maildir_path' in input) {
    if (typeof input.maildir_path !== 'string' || input.maildir_path === '') {
      throw new ConfigError(`${key}.maildir_path`, input.maildir_path, 'must be a path template');
    }
    return { kind: 'maildir', maildir_path: input.maildir_path, dir_mode: input.dir_mode ?? 0o750, file_mode: input.file_mode ?? 0o640 };
  }
  if ('custom' in input) {
    const { name, deliver } = input.custom;
    if (typeof deliver !== 'function') throw new ConfigError(`${key}.custom.deliver`, deliver, 'must be a function');
    return { kind: 'custom', name: name || 'custom', deliver };
  }
  throw new ConfigError(key, input, 'must be {smtp = {...}}, {maildir_path = ...} or {custom = {name, deliver}}');
}

export function parseMxListEntry(entry: MxListEntryInput, key: string): MxListEntry {
  if (typeof entry === 'object' && entry !== null) {
    if (typeof entry.name !== 'string' || typeof entry.addr !== 'string') throw new ConfigError(key, entry, 'must be {name, addr}');
    return { name: entry.name, addr: entry.addr };
  }
  if (typeof entry !== 'string' || entry === '') throw new ConfigError(key, entry, 'must be "host", "host:port" or "[ip]"');
  const literal = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (literal) {
    const addr = (literal[1] as string).replace(/^IPv6:/i, '');
    return withPort({ name: entry.replace(/:\d+$/, ''), addr }, literal[2], key, entry);
  }
  const hostPort = /^([^:\s]+)(?::(\d+))?$/.exec(entry);
  if (!hostPort) throw new ConfigError(key, entry, 'must be "host", "host:port" or "[ip]"');
  return withPort({ name: hostPort[1] as string }, hostPort[2], key, entry);
}

function withPort(e: { name: string; addr?: string }, port: string | undefined, key: string, raw: string): MxListEntry {
  if (port === undefined) return e;
  const n = Number(port);
  if (!(n > 0 && n < 65536)) throw new ConfigError(key, raw, 'port must be 1-65535');
  return { ...e, port: n };
}
