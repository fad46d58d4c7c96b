import { hostname as osHostname } from 'node:os';
import { resolve } from 'node:path';
import { ConfigError, type ConfigInput, type FieldReader } from '@mtakit/core';
import { parseCidr, type Cidr } from '@mtakit/core/dns';
import { loadSettings, SettingsReader } from './settings/load.js';

/** Everything the example MTA needs to start, after defaults, the config file and the environment. */
export interface MtaConfig {
  smtp: { host: string; port: number };
  http: { host: string; port: number };
  hostname: string;
  dataDir: string;
  logDir: string;
  /** Deliver everything to this `host:port` instead of the recipients' MX. */
  smarthost: string | undefined;
  relayNetworks: Cidr[];
  /** HTTP clients that need no credentials for the admin API. */
  trustedHosts: Cidr[];
  credentials: Map<string, { password: string; tenant?: string }>;
  /** HTTP Basic credentials for the admin API (clients outside `trustedHosts`). */
  adminUsers: Map<string, string>;
  tlsCertificate: string | undefined;
  tlsPrivateKey: string | undefined;
  maxMessageSize: number;
  maxRecipients: number;
  maxConnections: number;
  maxConnectionsPerIp: number;
  maxBytesInFlight: number;
  greetPauseMs: number;
  greetTrustedNetworks: Cidr[];
  listenBacklog: number;
  fsync: boolean;
  /** Bytes of just-stored messages kept in memory for their delivery (DiskSpoolOptions.deliveryCacheBytes). */
  spoolDeliveryCache: number;
  /** Worker processes sharing the listeners, one spool shard each (1 = a single process). */
  workers: number;
  /** How the workers share new connections (`runCluster`'s `balance`). */
  workersBalance: 'kernel' | 'primary';
  /** A TypeScript/JavaScript policy module or an init.lua (absolute). */
  policy: string | undefined;
  /** More directories a Lua policy may read, besides its own and its includes'. */
  policyDirs: string[];
  /** Lua files run after the policy in the same state (e.g. sources and pools kept apart). */
  policyInclude: string[];
  /** Time budget of one Lua hook call, ms. */
  policyBudgetMs: number;
  /** How long a Lua event's circuit breaker stays open before Lua is tried again, ms. */
  policyBreakerQuietMs: number;
  /** Path prefixes a Lua policy names (e.g. /opt/kumomta/etc/policy) → the directories they stand for. */
  policyPathMap: Record<string, string>;
  /** Environment variables a Lua policy may read with os.getenv. */
  policyEnv: string[];
}

/**
 * Loads the config: built-in defaults, then the JSON file (`MTAKIT_CONFIG`, or ./mtakit.config.json
 * if present), then environment variables (every setting is in `settings/table.ts`). Errors name
 * the variable, the key and the bad value.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): MtaConfig {
  return configFrom(loadSettings(env, cwd).values, cwd);
}

/** The MTA's config from checked settings (see `loadSettings`). */
export function configFrom(values: ConfigInput, cwd = process.cwd()): MtaConfig {
  const r = new SettingsReader(values, 'config');
  const dataDir = resolve(cwd, r.string('data_dir') ?? './data');
  return {
    smtp: hostPort(r, 'smtp_listen', '127.0.0.1:2525'),
    http: hostPort(r, 'http_listen', '127.0.0.1:8025'),
    hostname: r.string('hostname') ?? osHostname(),
    dataDir,
    logDir: resolve(cwd, r.string('log_dir') ?? resolve(dataDir, 'logs')),
    smarthost: r.string('smarthost'),
    relayNetworks: cidrs(r, 'relay_networks', ['127.0.0.0/8', '::1']),
    trustedHosts: cidrs(r, 'trusted_hosts', ['127.0.0.0/8', '::1']),
    credentials: users(r, 'users'),
    adminUsers: new Map([...users(r, 'admin_users')].map(([u, { password }]) => [u, password])),
    tlsCertificate: r.string('tls_certificate'),
    tlsPrivateKey: r.string('tls_private_key'),
    maxMessageSize: r.int('max_message_size', 20 * 1024 * 1024, 1024),
    maxRecipients: r.int('max_recipients', 1024, 1),
    maxConnections: r.int('max_connections', 32_768, 1),
    maxConnectionsPerIp: r.int('max_connections_per_ip', 100, 1),
    maxBytesInFlight: r.int('max_bytes_in_flight', 256 * 1024 * 1024, 1024 * 1024),
    greetPauseMs: r.duration('greet_pause', '100ms'),
    greetTrustedNetworks: cidrs(r, 'greet_trusted_networks', []),
    listenBacklog: r.int('listen_backlog', 4096, 1),
    fsync: r.bool('fsync', true),
    spoolDeliveryCache: r.int('spool_delivery_cache', 32 * 1024 * 1024, 0),
    workers: r.int('workers', 1, 1),
    workersBalance: r.string('workers_balance') === 'primary' ? 'primary' : 'kernel',
    ...policySettings(r, cwd),
  };
}

function hostPort(r: FieldReader, key: string, fallback: string): { host: string; port: number } {
  const text = r.string(key) ?? fallback;
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(text);
  const port = Number(m?.[2]);
  if (!m || !(port >= 0 && port < 65536)) throw new ConfigError(r.key(key), text, 'must be host:port, e.g. 127.0.0.1:2525');
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
}

/** The policy file and the Lua host's settings; paths are relative to the working directory. */
function policySettings(
  r: FieldReader, cwd: string,
): Pick<MtaConfig, 'policy' | 'policyDirs' | 'policyInclude' | 'policyBudgetMs' | 'policyBreakerQuietMs' | 'policyPathMap' | 'policyEnv'> {
  const policy = r.string('policy');
  return {
    policy: policy === undefined ? undefined : resolve(cwd, policy),
    policyDirs: r.stringList('policy_dirs', []).map((d) => resolve(cwd, d)),
    policyInclude: r.stringList('policy_include', []).map((f) => resolve(cwd, f)),
    policyBudgetMs: r.duration('policy_budget', '50ms'),
    policyBreakerQuietMs: r.duration('policy_breaker_quiet', '30s'),
    policyPathMap: Object.fromEntries(r.stringList('policy_path_map', []).map((entry, i) => {
      const m = /^(\/[^=]*)=(.+)$/.exec(entry);
      if (!m) throw new ConfigError(`${r.key('policy_path_map')}[${i}]`, entry, 'must be /absolute/prefix=directory, e.g. /opt/kumomta/etc/policy=./policy');
      return [m[1] as string, resolve(cwd, m[2] as string)];
    })),
    policyEnv: r.stringList('policy_env', []),
  };
}

function cidrs(r: FieldReader, key: string, fallback: string[]): Cidr[] {
  return r.stringList(key, fallback).map((c, i) => parseCidr(c, `${r.key(key)}[${i}]`));
}

function users(r: FieldReader, key: string): Map<string, { password: string; tenant?: string }> {
  const list = r.raw(key) ?? [];
  if (!Array.isArray(list)) throw new ConfigError(r.key(key), '(hidden)', 'must be a list of {username, password, tenant}');
  const map = new Map<string, { password: string; tenant?: string }>();
  list.forEach((u: unknown, i) => {
    const e = u as { username?: unknown; password?: unknown; tenant?: unknown };
    if (typeof e.username !== 'string' || e.username === '' || typeof e.password !== 'string' || e.password === '') {
      // Never echo a password back: name the entry, not its value.
      throw new ConfigError(`${r.key(key)}[${i}]`, '(hidden)', 'needs a username and a password (as user:password[:tenant],… in the environment)');
    }
    map.set(e.username, { password: e.password, ...(typeof e.tenant === 'string' ? { tenant: e.tenant } : {}) });
  });
  return map;
}
