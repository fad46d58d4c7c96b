/**
 * Every setting of the example MTA, once: its JSON key (in MTAKIT_CONFIG's file), its environment
 * variable, its type, default and meaning. `mtakit start --help`, `docs/configuration.md`
 * (`npm run docs:config`) and the validation of the file and the environment are generated from
 * this table; a setting missing here is refused, never silently ignored.
 */

/** How a value is written: in JSON as shown, in the environment as text. */
export type SettingType =
  | 'string' | 'path' | 'url' | 'listen' | 'smarthost' | 'int' | 'bool' | 'switch' | 'duration' | 'list' | 'users' | 'choice';

export type SettingGroup = 'listeners' | 'delivery' | 'limits' | 'policy' | 'shaping' | 'bounces' | 'suppression' | 'scorer' | 'events' | 'cli';

export interface Setting {
  /** The key in the JSON config file. */
  readonly key: string;
  /** The environment variable (it overrides the file). */
  readonly env: string;
  readonly type: SettingType;
  /** The default, as shown to people (computed defaults are described). */
  readonly default: string;
  readonly meaning: string;
  readonly group: SettingGroup;
  /** For `choice`: the values allowed. */
  readonly values?: readonly string[];
  /** Never echoed back in errors. */
  readonly secret?: boolean;
  /** Read by the `mtakit` admin commands, not by `mtakit start`. */
  readonly cliOnly?: boolean;
}

type Row = [key: string, type: SettingType, fallback: string, meaning: string, extra?: Partial<Setting>];

/** Rows of one group; the variable is MTAKIT_ + the key in capitals unless given. */
function group(name: SettingGroup, rows: readonly Row[]): Setting[] {
  return rows.map(([key, type, fallback, meaning, extra]) => ({ key, env: `MTAKIT_${key.toUpperCase()}`, type, default: fallback, meaning, group: name, ...extra }));
}

export const SETTINGS: readonly Setting[] = [
  ...group('listeners', [
    ['smtp_listen', 'listen', '127.0.0.1:2525', 'SMTP listener address (host:port; port 0 = any free port)'],
    ['http_listen', 'listen', '127.0.0.1:8025', 'HTTP listener: liveness, health, metrics, injection and the admin API'],
    ['hostname', 'string', 'the machine\'s host name', 'EHLO and banner name, and the name in Received headers'],
    ['tls_certificate', 'path', 'generated in the data dir', 'PEM certificate for STARTTLS'],
    ['tls_private_key', 'path', 'generated in the data dir', 'PEM private key for STARTTLS'],
    ['relay_networks', 'list', '127.0.0.0/8,::1', 'CIDRs of clients allowed to relay without AUTH'],
    ['greet_pause', 'duration', '100ms', 'how long the SMTP greeting is held for clients outside relay_networks and greet_trusted_networks; a client talking before it gets 421 (early talker); 0 = none'],
    ['greet_trusted_networks', 'list', 'none', 'more CIDRs greeted at once, without a pause (no relay right from this)'],
    ['listen_backlog', 'int', '4096', 'SMTP listener accept queue for connection bursts (capped by net.core.somaxconn)'],
    ['trusted_hosts', 'list', '127.0.0.0/8,::1', 'CIDRs of HTTP clients that need no credentials for the admin API'],
    ['users', 'users', 'none', 'SMTP AUTH credentials, user:password[:tenant],… (JSON: [{username, password, tenant}]); AUTH only over TLS', { env: 'MTAKIT_AUTH_USERS', secret: true }],
    ['admin_users', 'users', 'none', 'HTTP Basic credentials for the admin API from outside trusted_hosts, user:password,…', { secret: true }],
  ]),
  ...group('delivery', [
    ['data_dir', 'path', './data', 'spool, logs, generated TLS certificate, node id, state files'],
    ['log_dir', 'path', '<data_dir>/logs', 'JSONL log records'],
    ['log_retention', 'duration', 'forever', 'how long compressed log segments are kept (older ones are deleted)'],
    ['smarthost', 'smarthost', 'none (deliver to MX)', 'relay everything to this host[:port] (IP, [IPv6] or a fully-qualified name)'],
    ['fsync', 'bool', 'true', 'fsync the spool before acknowledging (false only for tests and benchmarks)'],
    ['spool_delivery_cache', 'int', '33554432', 'bytes of just-accepted messages kept in memory (after they are on disk) so their delivery does not read them back; only messages due now, each for at most 2 s; 0 = off'],
    ['workers', 'int', '1', 'worker processes sharing the SMTP and HTTP listeners, each with its own spool shard (<data_dir>/shard-<i>); a restart with fewer adopts the others\' shards (docs/performance.md)'],
    ['workers_balance', 'choice', 'kernel', 'with workers > 1: new connections taken by whichever worker accepts first (kernel) or handed out in turn by the primary (primary)', { values: ['kernel', 'primary'] }],
  ]),
  ...group('limits', [
    ['max_message_size', 'int', '20971520', 'largest message accepted, bytes (SIZE)'],
    ['max_recipients', 'int', '1024', 'recipients per SMTP transaction'],
    ['max_connections', 'int', '32768', 'concurrent SMTP client connections'],
    ['max_connections_per_ip', 'int', '100', 'concurrent SMTP connections from one client address'],
    ['max_bytes_in_flight', 'int', '268435456', 'message bytes all open SMTP transactions may hold in memory together; from 75 % of it new transactions get 421 4.3.2'],
  ]),
  ...group('policy', [
    ['policy', 'path', 'none', 'a KumoMTA-style init.lua, or a .ts/.js module whose default export is a Policy'],
    ['policy_include', 'list', 'none', 'Lua files run after the policy in the same state (e.g. its sources and pools)'],
    ['policy_dirs', 'list', 'none', 'more directories a Lua policy may read (its own and its includes\' always may)'],
    ['policy_budget', 'duration', '50ms', 'time budget of one Lua hook call'],
    ['policy_breaker_quiet', 'duration', '30s', 'how long an event\'s circuit breaker stays open before Lua is tried again'],
    ['policy_path_map', 'list', 'none', '/prefix=directory pairs: files a Lua policy names under /prefix are read from directory (KumoMTA policies run unchanged)'],
    ['policy_env', 'list', 'none', 'environment variables a Lua policy may read with os.getenv'],
  ]),
  ...group('shaping', [
    ['shaping', 'switch', 'on', 'traffic shaping: throttles, connection leases, automation (off: none of them)'],
    ['shaping_files', 'list', 'none', 'shaping files (KumoMTA TOML or JSON), merged in order after the built-in rules'],
    ['redis_url', 'url', 'none (state in this process)', 'share throttles, leases and automation state through this Redis; required at start, local limits while it is down'],
  ]),
  ...group('bounces', [
    ['bounces_config', 'path', 'none', 'a JSON file of the bounce and suppression keys below (the variables override it)'],
    ['bounce_domains', 'list', 'none', 'report domains whose mail is read as DSNs and ARF reports (LogThenDrop)'],
    ['feedback_domains', 'list', 'none', 'report domains read as ARF reports only'],
    ['bounce_rules', 'list', 'none', 'KumoMTA-format bounce rule files, tried before the built-in rules'],
    ['bounce_hooks', 'path', 'none', 'a module exporting rewrite_bounce_classification'],
    ['trace_header', 'bool', 'on with a bounce, feedback or VERP domain', 'add the X-MtaKit-Ref trace header (replacing any the client sent)'],
    ['trace_secret', 'string', 'none', 'sign the trace header; report domains then verify it', { secret: true }],
    ['trace_meta', 'list', 'none', 'more meta keys carried in the trace header'],
    ['verp_domain', 'string', 'none', 'VERP return paths at this domain (make it a bounce domain too)'],
    ['verp_prefix', 'string', 'bounces', 'local-part prefix of VERP return paths'],
  ]),
  ...group('suppression', [
    ['suppression', 'choice', 'reject', 'reject suppressed recipients at RCPT, log (accept, log Suppressed, drop), or off', { values: ['reject', 'log', 'off'] }],
    ['suppression_store', 'string', '<data_dir>/suppression.jsonl', 'a journal path, or redis://… (required at start; 451 4.3.0 while it is down)'],
    ['soft_bounce_count', 'int', '3', 'soft bounces within soft_bounce_window that suppress a recipient', { env: 'MTAKIT_SUPPRESSION_SOFT_COUNT' }],
    ['soft_bounce_window', 'duration', '7 days', 'window in which soft bounces are counted', { env: 'MTAKIT_SUPPRESSION_SOFT_WINDOW' }],
    ['bounce_ttl', 'duration', '365 days', 'how long a hard bounce suppresses (or never)', { env: 'MTAKIT_SUPPRESSION_BOUNCE_TTL' }],
    ['soft_bounce_ttl', 'duration', '30 days', 'how long repeated soft bounces suppress (or never)', { env: 'MTAKIT_SUPPRESSION_SOFT_TTL' }],
    ['complaint_ttl', 'duration', 'never', 'how long a complaint suppresses (or never)', { env: 'MTAKIT_SUPPRESSION_COMPLAINT_TTL' }],
    ['unsubscribe_ttl', 'duration', 'never', 'how long an unsubscribe suppresses (or never)', { env: 'MTAKIT_SUPPRESSION_UNSUBSCRIBE_TTL' }],
    ['bounce_scope', 'choice', 'global', 'bounces suppress for every tenant (global) or the sending tenant only', { env: 'MTAKIT_SUPPRESSION_BOUNCE_SCOPE', values: ['global', 'tenant'] }],
    ['feedback_scope', 'choice', 'tenant', 'complaints and unsubscribes suppress for every tenant or the sending tenant only', { env: 'MTAKIT_SUPPRESSION_FEEDBACK_SCOPE', values: ['global', 'tenant'] }],
    ['report_trust', 'choice', 'verified with a trace secret, else correlated', 'which inbound reports may suppress', { env: 'MTAKIT_SUPPRESSION_TRUST', values: ['any', 'correlated', 'verified'] }],
    ['unsubscribe_listen', 'listen', 'off', 'host:port of the one-click unsubscribe receiver (RFC 8058)'],
    ['unsubscribe_url', 'url', 'off', 'its public URL: messages without List-Unsubscribe get signed one-click headers'],
    ['unsubscribe_secret', 'string', 'none', 'signs unsubscribe links; required with unsubscribe_listen or unsubscribe_url', { secret: true }],
  ]),
  ...group('scorer', [
    ['scorer', 'switch', 'on', 'the pre-send risk scorer (off: no scoring, no verdict records, nothing held)'],
    ['scorer_config', 'path', 'none', 'the scorer\'s JSON file (thresholds, weights, tenants, budgets, modules; docs/scorer.md)'],
    ['scorer_sending_domains', 'list', 'none', 'tenant=domain pairs: the domains each tenant has verified for sending; a From elsewhere weighs heavily (added to the scorer file\'s sending_domains)'],
  ]),
  ...group('events', [
    ['events', 'path', 'none', 'a JSON file of event endpoints (webhooks, JSONL, NATS, RabbitMQ, Redis Streams; docs/events.md)'],
  ]),
  ...group('cli', [
    ['admin_credentials', 'string', 'none', 'user:password the mtakit admin commands send to the HTTP API (or --credentials)', { secret: true, cliOnly: true }],
  ]),
];

/** The variable that names the JSON file itself (read only from the environment). */
export const CONFIG_FILE_VARIABLE = 'MTAKIT_CONFIG';

export const BY_KEY: ReadonlyMap<string, Setting> = new Map(SETTINGS.map((s) => [s.key, s]));
export const BY_ENV: ReadonlyMap<string, Setting> = new Map(SETTINGS.map((s) => [s.env, s]));

/** "MTAKIT_SMARTHOST (smarthost)": how errors name a setting. */
export function settingName(s: Setting): string {
  return `${s.env} (${s.key})`;
}
