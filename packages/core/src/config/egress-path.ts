import { ConfigError } from '../errors.js';
import { FieldReader, type ConfigInput, type Duration } from './fields.js';
import type { LimitSpec, RateSpec } from './rate.js';

export const TLS_MODES = ['Opportunistic', 'OpportunisticInsecure', 'Required', 'RequiredInsecure', 'Disabled'] as const;
export type TlsMode = (typeof TLS_MODES)[number];
export const RECONNECT_STRATEGIES = ['TerminateSession', 'ReconnectSameHost', 'ConnectNextHost'] as const;
export type ReconnectStrategy = (typeof RECONNECT_STRATEGIES)[number];
/**
 * What mtakit does after a 421 or an I/O error mid-session: end the session; the next attempt
 * resolves and picks a host afresh (KumoMTA's ConnectNextHost). The other two are refused at load.
 */
const HONOURED_RECONNECT = ['ConnectNextHost'] as const;
export const IP_LOOKUP_STRATEGIES = ['Ipv4AndIpv6', 'Ipv4Only', 'Ipv6Only', 'Ipv6ThenIpv4', 'Ipv4ThenIpv6'] as const;
export type IpLookupStrategy = (typeof IP_LOOKUP_STRATEGIES)[number];

/** SMTP client timeouts with KumoMTA's names and defaults. */
export const TIMEOUT_DEFAULTS = {
  connect_timeout: '60s',
  banner_timeout: '60s',
  ehlo_timeout: '300s',
  mail_from_timeout: '300s',
  rcpt_to_timeout: '300s',
  data_timeout: '300s',
  data_dot_timeout: '300s',
  rset_timeout: '5s',
  idle_timeout: '5s',
  starttls_timeout: '5s',
  auth_timeout: '60s',
} as const;
export type TimeoutName = keyof typeof TIMEOUT_DEFAULTS;

/**
 * What a `get_egress_path_config` hook returns (KumoMTA's `kumo.make_egress_path`). An egress path is
 * (egress source, site name): the unit of shaping. Every field is optional; defaults are KumoMTA's.
 */
export type EgressPathConfigInput = {
  /** Max concurrent connections: integer or `"local:20"`. Default 32. */
  connection_limit?: number | string;
  /** Extra named connection limits shared by every path naming them. */
  additional_connection_limits?: Record<string, number | string>;
  /** New-connection rate, e.g. `"100/min"`. */
  max_connection_rate?: string;
  /** Message rate on this path, e.g. `"100/s"`. */
  max_message_rate?: string;
  additional_message_rate_throttles?: Record<string, string>;
  /** How often this source may be picked for this site (warm-up). */
  source_selection_rate?: string;
  additional_source_selection_rates?: Record<string, string>;
  /** Reconnect after this many deliveries. Default 1024. */
  max_deliveries_per_connection?: number;
  /** Recipients per SMTP transaction. Default 100. */
  max_recipients_per_batch?: number;
  /** Ready queue capacity. Default 1024. */
  max_ready?: number;
  /** Delay the ready queue after this many failed passes over the host list. Default 100. */
  consecutive_connection_failures_before_delay?: number;
  /** Default `Opportunistic` (STARTTLS if offered, certificate verified). */
  enable_tls?: TlsMode;
  opportunistic_tls_reconnect_on_failed_handshake?: boolean;
  /** Remember a site's broken TLS for this long and skip STARTTLS meanwhile. */
  remember_broken_tls?: Duration;
  enable_pipelining?: boolean;
  enable_rset?: boolean;
  /** Destination port. Default 25. */
  smtp_port?: number;
  ehlo_domain?: string;
  smtp_auth_plain_username?: string;
  smtp_auth_plain_password?: string;
  allow_smtp_auth_plain_without_tls?: boolean;
  /** MX addresses that fail delivery. Default loopback and unspecified addresses. */
  prohibited_hosts?: string[];
  /** MX addresses to skip. Default none. */
  skip_hosts?: string[];
  ip_lookup_strategy?: IpLookupStrategy;
  reconnect_strategy?: ReconnectStrategy;
  refresh_interval?: Duration;
  refresh_strategy?: 'Ttl' | 'Epoch';
  provider_name?: string;
} & { [K in TimeoutName]?: Duration } & { [K in (typeof INERT_KEYS)[number]]?: unknown };

/**
 * Accepted so KumoMTA shaping files and policies load unchanged; they have no effect in mtakit
 * (for example, mtakit always uses Node's TLS stack). Listed in docs/reference.
 */
export const INERT_KEYS = [
  'enable_mta_sts', 'enable_dane', 'tls_prefer_openssl', 'openssl_cipher_list', 'openssl_cipher_suites',
  'openssl_options', 'rustls_cipher_suites', 'tls_certificate', 'tls_private_key', 'dispatcher_wakeup_strategy',
  'maintainer_wakeup_strategy', 'aggressive_connection_opening', 'readyq_pool_name', 'try_next_host_on_transport_error',
  'low_memory_reduction_policy', 'no_memory_reduction_policy', 'ignore_8bit_checks', 'system_shutdown_timeout',
  'dispatcher_progress_watchdog_timeout', 'allow_smtp_auth_plain_without_valid_certificate', 'use_lmtp',
] as const;

export interface EgressPathConfig {
  readonly connection_limit: LimitSpec;
  readonly additional_connection_limits: Readonly<Record<string, LimitSpec>>;
  readonly max_connection_rate: RateSpec | undefined;
  readonly max_message_rate: RateSpec | undefined;
  readonly additional_message_rate_throttles: Readonly<Record<string, RateSpec>>;
  readonly source_selection_rate: RateSpec | undefined;
  readonly additional_source_selection_rates: Readonly<Record<string, RateSpec>>;
  readonly max_deliveries_per_connection: number;
  readonly max_recipients_per_batch: number;
  readonly max_ready: number;
  readonly consecutive_connection_failures_before_delay: number;
  readonly enable_tls: TlsMode;
  readonly opportunistic_tls_reconnect_on_failed_handshake: boolean;
  readonly remember_broken_tls: number | undefined;
  readonly enable_pipelining: boolean;
  readonly enable_rset: boolean;
  readonly smtp_port: number;
  readonly ehlo_domain: string | undefined;
  readonly smtp_auth_plain_username: string | undefined;
  readonly smtp_auth_plain_password: string | undefined;
  readonly allow_smtp_auth_plain_without_tls: boolean;
  readonly prohibited_hosts: readonly string[];
  readonly skip_hosts: readonly string[];
  readonly ip_lookup_strategy: IpLookupStrategy;
  readonly reconnect_strategy: ReconnectStrategy;
  /** Timeouts in milliseconds. */
  readonly timeouts: Readonly<Record<TimeoutName, number>>;
  readonly refresh_interval: number;
  readonly refresh_strategy: 'Ttl' | 'Epoch';
  readonly provider_name: string | undefined;
}

export const DEFAULT_PROHIBITED_HOSTS = ['127.0.0.0/8', '::1', '0.0.0.0', '::'] as const;

const TIMEOUT_KEYS = Object.keys(TIMEOUT_DEFAULTS) as TimeoutName[];

/** Every key a path config may carry (used by shaping-file loaders to report unknown keys). */
export const EGRESS_PATH_KEYS: ReadonlySet<string> = new Set([
  'connection_limit', 'additional_connection_limits', 'max_connection_rate', 'max_message_rate',
  'additional_message_rate_throttles', 'source_selection_rate', 'additional_source_selection_rates',
  'max_deliveries_per_connection', 'max_recipients_per_batch', 'max_ready', 'consecutive_connection_failures_before_delay',
  'enable_tls', 'opportunistic_tls_reconnect_on_failed_handshake', 'remember_broken_tls', 'enable_pipelining', 'enable_rset',
  'smtp_port', 'ehlo_domain', 'smtp_auth_plain_username', 'smtp_auth_plain_password', 'allow_smtp_auth_plain_without_tls',
  'prohibited_hosts', 'skip_hosts', 'ip_lookup_strategy', 'reconnect_strategy', 'refresh_interval', 'refresh_strategy',
  'provider_name', ...TIMEOUT_KEYS, ...INERT_KEYS,
]);

export function resolveEgressPathConfig(input: EgressPathConfigInput = {}, prefix = 'egress_path'): EgressPathConfig {
  const r = new FieldReader(input as ConfigInput, prefix);
  r.rejectUnknown(EGRESS_PATH_KEYS);
  const timeouts = {} as Record<TimeoutName, number>;
  for (const name of TIMEOUT_KEYS) timeouts[name] = r.duration(name, TIMEOUT_DEFAULTS[name]);
  return {
    connection_limit: r.limit('connection_limit', 32),
    additional_connection_limits: r.limitMap('additional_connection_limits'),
    max_connection_rate: r.rate('max_connection_rate'),
    max_message_rate: r.rate('max_message_rate'),
    additional_message_rate_throttles: r.rateMap('additional_message_rate_throttles'),
    source_selection_rate: r.rate('source_selection_rate'),
    additional_source_selection_rates: r.rateMap('additional_source_selection_rates'),
    max_deliveries_per_connection: r.int('max_deliveries_per_connection', 1024, 1),
    max_recipients_per_batch: r.int('max_recipients_per_batch', 100, 1),
    max_ready: r.int('max_ready', 1024, 1),
    consecutive_connection_failures_before_delay: r.int('consecutive_connection_failures_before_delay', 100, 1),
    enable_tls: r.oneOf('enable_tls', TLS_MODES, 'Opportunistic'),
    opportunistic_tls_reconnect_on_failed_handshake: r.bool('opportunistic_tls_reconnect_on_failed_handshake', false),
    remember_broken_tls: r.optDuration('remember_broken_tls'),
    enable_pipelining: r.bool('enable_pipelining', true),
    enable_rset: r.bool('enable_rset', true),
    smtp_port: r.int('smtp_port', 25, 1),
    ehlo_domain: r.string('ehlo_domain'),
    smtp_auth_plain_username: r.string('smtp_auth_plain_username'),
    smtp_auth_plain_password: r.string('smtp_auth_plain_password'),
    allow_smtp_auth_plain_without_tls: r.bool('allow_smtp_auth_plain_without_tls', false),
    prohibited_hosts: r.stringList('prohibited_hosts', DEFAULT_PROHIBITED_HOSTS),
    skip_hosts: r.stringList('skip_hosts', []),
    ip_lookup_strategy: r.oneOf('ip_lookup_strategy', IP_LOOKUP_STRATEGIES, 'Ipv4AndIpv6'),
    reconnect_strategy: reconnectStrategy(r),
    timeouts,
    refresh_interval: r.duration('refresh_interval', '60s'),
    refresh_strategy: r.oneOf('refresh_strategy', ['Ttl', 'Epoch'] as const, 'Ttl'),
    provider_name: r.string('provider_name'),
  };
}

function reconnectStrategy(r: FieldReader): ReconnectStrategy {
  const value = r.oneOf('reconnect_strategy', RECONNECT_STRATEGIES, 'ConnectNextHost');
  if (!(HONOURED_RECONNECT as readonly string[]).includes(value)) {
    throw new ConfigError(r.key('reconnect_strategy'), value, 'mtakit implements only ConnectNextHost (after a 421 or an I/O error it ends the session and the next attempt picks a host afresh): use ConnectNextHost or leave it unset');
  }
  return value;
}
