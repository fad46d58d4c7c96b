import { ConfigError, FieldReader, type ConfigInput, type JsonValue } from '@mtakit/core';
import type { LogHookDefinition } from '../extras/log-hooks.js';

/**
 * Declarative configuration a policy gives at init (`kumo.start_esmtp_listener`, …): validated
 * here, collected by the host, applied by the application (nothing is started by this package).
 * Durations are milliseconds; option names and defaults are KumoMTA's.
 */

/** A key source: a file path or inline PEM (`{ key_data = '...' }`). */
export type KeySource = string | { key_data: string };

export interface EsmtpListenerDefinition {
  listen: string;
  hostname: string | undefined;
  banner: string | undefined;
  /** Clients allowed to relay (CIDRs or addresses). Default loopback. */
  relay_hosts: string[];
  max_message_size: number;
  max_recipients_per_message: number;
  max_messages_per_connection: number;
  max_connections: number;
  client_timeout: number;
  tls_certificate: KeySource | undefined;
  tls_private_key: KeySource | undefined;
  deferred_spool: boolean;
  trace_headers: Record<string, JsonValue> | undefined;
  /** Connection meta added to every connection of this listener. */
  meta: Record<string, JsonValue> | undefined;
}

export interface HttpListenerDefinition {
  listen: string;
  hostname: string | undefined;
  /** Clients that need no authentication. Default loopback. */
  trusted_hosts: string[];
  use_tls: boolean;
  tls_certificate: KeySource | undefined;
  tls_private_key: KeySource | undefined;
  request_body_limit: number;
}

export interface SpoolDefinition {
  name: string;
  path: string;
  kind: 'LocalDisk' | 'RocksDB';
  flush: boolean;
  min_free_space: string | undefined;
  min_free_inodes: string | undefined;
}

export interface LocalLogsDefinition {
  log_dir: string;
  max_file_size: number | undefined;
  max_segment_duration: number | undefined;
  compression_level: number | undefined;
  back_pressure: number | undefined;
  meta: string[];
  headers: string[];
  per_record: Record<string, JsonValue> | undefined;
  filter_event: string | undefined;
  min_free_space: string | undefined;
  min_free_inodes: string | undefined;
}

/** Everything a policy declared while loading. */
export interface PolicyDeclarations {
  esmtpListeners: EsmtpListenerDefinition[];
  httpListeners: HttpListenerDefinition[];
  spools: SpoolDefinition[];
  localLogs: LocalLogsDefinition[];
  /** policy-extras.log_hooks sinks, run by the Lua plugin. */
  logHooks: LogHookDefinition[];
}

export function emptyDeclarations(): PolicyDeclarations {
  return { esmtpListeners: [], httpListeners: [], spools: [], localLogs: [], logHooks: [] };
}

/** Options accepted so KumoMTA policies load unchanged, with no effect in mtakit. */
const INERT: Record<keyof PolicyDeclarations, readonly string[]> = {
  esmtpListeners: [
    'data_buffer_size', 'data_processing_timeout', 'line_length_hard_limit', 'invalid_line_endings', 'batch_handling',
    'allow_xclient', 'require_proxy_protocol', 'tls_required_client_ca', 'deferred_queue', 'via', 'peer',
  ],
  httpListeners: [],
  spools: ['rocks_params'],
  localLogs: [],
  logHooks: [],
};

const LOOPBACK = ['127.0.0.1', '::1'];

/** A reader over one declaration's table that records inert keys as warnings. */
function reader(input: ConfigInput, fn: string, known: readonly string[], inert: readonly string[], warn: (w: string) => void): FieldReader {
  const r = new FieldReader(input, fn);
  r.rejectUnknown(new Set([...known, ...inert]));
  for (const key of inert) if (r.has(key)) warn(`${fn}: ${key} is accepted for compatibility and has no effect in mtakit`);
  return r;
}

function keySource(r: FieldReader, name: string): KeySource | undefined {
  const v = r.raw(name);
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && typeof (v as { key_data?: unknown }).key_data === 'string') return { key_data: (v as { key_data: string }).key_data };
  throw new ConfigError(r.key(name), v, 'must be a file path or { key_data = "..." }');
}

function table(r: FieldReader, name: string): Record<string, JsonValue> | undefined {
  const v = r.raw(name);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(r.key(name), v, 'must be a table');
  return v as Record<string, JsonValue>;
}

export function esmtpListener(input: ConfigInput, warn: (w: string) => void): EsmtpListenerDefinition {
  const known = [
    'listen', 'hostname', 'banner', 'relay_hosts', 'max_message_size', 'max_recipients_per_message', 'max_messages_per_connection',
    'max_connections', 'client_timeout', 'tls_certificate', 'tls_private_key', 'deferred_spool', 'trace_headers', 'meta',
  ];
  const r = reader(input, 'kumo.start_esmtp_listener', known, INERT.esmtpListeners, warn);
  return {
    listen: r.string('listen') ?? '127.0.0.1:2025',
    hostname: r.string('hostname'),
    banner: r.string('banner'),
    relay_hosts: r.stringList('relay_hosts', LOOPBACK),
    max_message_size: r.int('max_message_size', 20 * 1024 * 1024, 1),
    max_recipients_per_message: r.int('max_recipients_per_message', 1024, 1),
    max_messages_per_connection: r.int('max_messages_per_connection', 10_000, 1),
    max_connections: r.int('max_connections', 32_768, 1),
    client_timeout: r.duration('client_timeout', '60s'),
    tls_certificate: keySource(r, 'tls_certificate'),
    tls_private_key: keySource(r, 'tls_private_key'),
    deferred_spool: r.bool('deferred_spool', false),
    trace_headers: table(r, 'trace_headers'),
    meta: table(r, 'meta'),
  };
}

export function httpListener(input: ConfigInput, warn: (w: string) => void): HttpListenerDefinition {
  const known = ['listen', 'hostname', 'trusted_hosts', 'use_tls', 'tls_certificate', 'tls_private_key', 'request_body_limit'];
  const r = reader(input, 'kumo.start_http_listener', known, INERT.httpListeners, warn);
  return {
    listen: r.string('listen') ?? '127.0.0.1:8000',
    hostname: r.string('hostname'),
    trusted_hosts: r.stringList('trusted_hosts', LOOPBACK),
    use_tls: r.bool('use_tls', false),
    tls_certificate: keySource(r, 'tls_certificate'),
    tls_private_key: keySource(r, 'tls_private_key'),
    request_body_limit: r.int('request_body_limit', 2 * 1024 * 1024, 1),
  };
}

export function spool(input: ConfigInput, warn: (w: string) => void): SpoolDefinition {
  const known = ['name', 'path', 'kind', 'flush', 'min_free_space', 'min_free_inodes'];
  const r = reader(input, 'kumo.define_spool', known, INERT.spools, warn);
  return {
    name: r.requiredString('name'),
    path: r.requiredString('path'),
    kind: r.oneOf('kind', ['LocalDisk', 'RocksDB'] as const, 'LocalDisk'),
    flush: r.bool('flush', false),
    min_free_space: r.string('min_free_space'),
    min_free_inodes: r.string('min_free_inodes'),
  };
}

export function localLogs(input: ConfigInput, warn: (w: string) => void): LocalLogsDefinition {
  const known = [
    'log_dir', 'max_file_size', 'max_segment_duration', 'compression_level', 'back_pressure', 'meta', 'headers', 'per_record',
    'filter_event', 'min_free_space', 'min_free_inodes',
  ];
  const r = reader(input, 'kumo.configure_local_logs', known, INERT.localLogs, warn);
  const optInt = (name: string): number | undefined => (r.has(name) ? r.int(name, 0) : undefined);
  return {
    log_dir: r.requiredString('log_dir'),
    max_file_size: optInt('max_file_size'),
    max_segment_duration: r.optDuration('max_segment_duration'),
    compression_level: optInt('compression_level'),
    back_pressure: optInt('back_pressure'),
    meta: r.stringList('meta', []),
    headers: r.stringList('headers', []),
    per_record: table(r, 'per_record'),
    filter_event: r.string('filter_event'),
    min_free_space: r.string('min_free_space'),
    min_free_inodes: r.string('min_free_inodes'),
  };
}
