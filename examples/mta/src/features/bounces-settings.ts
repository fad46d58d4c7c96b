import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, FieldReader, type ConfigInput } from '@mtakit/core';
import { resolveBounceSettings, type BounceSettings } from '@mtakit/bounce';
import type { ReportTrust, SuppressionReason } from '@mtakit/bounce/suppression';
import { SETTINGS } from '../settings/table.js';

/** How the example MTA handles bounces, complaints and suppression (see docs/suppression.md). */
export type BouncesSettings = BounceSettings;

/** Environment variables and the keys of the MTAKIT_BOUNCES_CONFIG file they override (from the settings table). */
export const BOUNCES_ENVIRONMENT: Record<string, string> = Object.fromEntries(
  SETTINGS.filter((s) => (s.group === 'bounces' || s.group === 'suppression') && s.key !== 'bounces_config').map((s) => [s.env, s.key]),
);

const LISTS = new Set(['bounce_domains', 'feedback_domains', 'bounce_rules', 'trace_meta']);
const TTL_KEYS: Record<string, SuppressionReason> = { bounce_ttl: 'bounce', soft_bounce_ttl: 'soft-bounce', complaint_ttl: 'complaint', unsubscribe_ttl: 'unsubscribe' };

/**
 * Reads the settings: the JSON file named by MTAKIT_BOUNCES_CONFIG (relative to `cwd`), then the
 * environment variables above. Paths are relative to `cwd`; the default store is
 * `<dataDir>/suppression.jsonl`. Errors name the key or variable and the bad value.
 */
export function loadBouncesSettings(env: NodeJS.ProcessEnv, dataDir: string, cwd = process.cwd()): BouncesSettings {
  const file = env['MTAKIT_BOUNCES_CONFIG'];
  const merged: Record<string, unknown> = file ? readJson(resolve(cwd, file)) : {};
  for (const [variable, key] of Object.entries(BOUNCES_ENVIRONMENT)) {
    const value = env[variable];
    if (value !== undefined && value !== '') merged[key] = coerce(key, value);
  }
  const r = new FieldReader(merged as ConfigInput, file ? `bounces(${file})` : 'bounces');
  r.rejectUnknown(new Set(Object.values(BOUNCES_ENVIRONMENT)));
  const traceSecret = r.string('trace_secret');
  const verpDomain = r.string('verp_domain');
  const store = r.string('suppression_store');
  const unsubscribe = {
    listen: listenAddress(r, 'unsubscribe_listen'),
    url: r.string('unsubscribe_url'),
    secret: r.string('unsubscribe_secret'),
  };
  if ((unsubscribe.listen || unsubscribe.url) && !unsubscribe.secret) {
    throw new ConfigError(r.key('unsubscribe_secret'), undefined, 'is required with unsubscribe_listen or unsubscribe_url (MTAKIT_UNSUBSCRIBE_SECRET signs the links)');
  }
  if (unsubscribe.url) urlOption(r, 'unsubscribe_url', unsubscribe.url);
  return resolveBounceSettings({
    bounceDomains: domains(r, 'bounce_domains'),
    feedbackDomains: domains(r, 'feedback_domains'),
    ruleFiles: r.stringList('bounce_rules', []).map((f) => resolve(cwd, f)),
    hooks: r.string('bounce_hooks') === undefined ? undefined : resolve(cwd, r.string('bounce_hooks') as string),
    trace: { enabled: r.has('trace_header') ? r.bool('trace_header', false) : undefined, secret: traceSecret, includeMeta: r.stringList('trace_meta', []) },
    verp: verpDomain ? { domain: verpDomain, prefix: r.string('verp_prefix') } : undefined,
    suppression: {
      mode: r.oneOf('suppression', ['reject', 'log', 'off'] as const, 'reject'),
      store: store === undefined || /^rediss?:\/\//.test(store) ? store : resolve(cwd, store),
      policy: {
        softCount: r.int('soft_bounce_count', 3, 0),
        softWindowMs: r.duration('soft_bounce_window', '7 days'),
        ttl: Object.fromEntries(Object.entries(TTL_KEYS).filter(([key]) => r.has(key)).map(([key, reason]) => [reason, ttl(r, key)])),
        bounceScope: r.oneOf('bounce_scope', ['global', 'tenant'] as const, 'global'),
        feedbackScope: r.oneOf('feedback_scope', ['global', 'tenant'] as const, 'tenant'),
        ...(r.has('report_trust') ? { trust: r.oneOf<ReportTrust>('report_trust', ['any', 'correlated', 'verified'], 'correlated') } : {}),
      },
    },
    unsubscribe,
  }, dataDir);
}

function coerce(key: string, value: string): unknown {
  if (LISTS.has(key)) return value.split(',').map((s) => s.trim()).filter(Boolean);
  if (key === 'trace_header') return value === 'true' || value === 'on' || value === '1' ? true : value === 'false' || value === 'off' || value === '0' ? false : value;
  if (key === 'soft_bounce_count') return /^\d+$/.test(value) ? Number(value) : value;
  return value;
}

function domains(r: FieldReader, key: string): string[] {
  return r.stringList(key, []).map((d, i) => {
    if (!/^[a-z0-9.-]+$/i.test(d) || d.startsWith('.') || d.endsWith('.')) throw new ConfigError(`${r.key(key)}[${i}]`, d, 'must be a domain name');
    return d.toLowerCase();
  });
}

/** A lifetime, or "never". */
function ttl(r: FieldReader, key: string): number | null {
  return r.raw(key) === 'never' ? null : r.duration(key, 0);
}

function listenAddress(r: FieldReader, key: string): { host: string; port: number } | undefined {
  const text = r.string(key);
  if (text === undefined) return undefined;
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(text);
  const port = Number(m?.[2]);
  if (!m || !(port >= 0 && port < 65536)) throw new ConfigError(r.key(key), text, 'must be host:port, e.g. 0.0.0.0:8026');
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
}

function urlOption(r: FieldReader, key: string, text: string): void {
  try {
    const url = new URL(text);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http(s)');
  } catch {
    throw new ConfigError(r.key(key), text, 'must be an http(s) URL, e.g. https://unsub.example.com/unsubscribe (RFC 8058 wants https)');
  }
}

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError('MTAKIT_BOUNCES_CONFIG', path, `cannot read the config file: ${(error as Error).message}`);
  }
}
