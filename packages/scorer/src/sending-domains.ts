import { ConfigError } from '@mtakit/core';
import { aligned } from './content/address.js';

/**
 * The domains each tenant has verified for sending (SPF/DKIM set up, ownership checked): a table
 * by tenant, or a function for a store. A tenant absent from it (or answered `undefined`) has no
 * list, and its From domains are not judged against one.
 */
export type SendingDomains = Readonly<Record<string, readonly string[]>> | ((tenant: string) => readonly string[] | undefined);

/**
 * Whether `tenant` may send as `domain`: `true` or `false` when the tenant has a list (subdomains
 * of a verified domain count, as in DMARC relaxed alignment), `undefined` when it has none.
 */
export function maySendAs(config: SendingDomains | undefined, tenant: string, domain: string): boolean | undefined {
  if (config === undefined) return undefined;
  const list = typeof config === 'function' ? config(tenant) : Object.hasOwn(config, tenant) ? config[tenant] : undefined;
  return list === undefined ? undefined : list.some((d) => aligned(d, domain));
}

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/i;

/**
 * A table of verified sending domains from `tenant=domain` pairs (one pair per domain, a tenant
 * may appear several times), as a setting written on one line gives them. Errors name `key` and
 * the pair.
 */
export function sendingDomainsFromPairs(pairs: readonly string[], key: string): Record<string, string[]> {
  const table: Record<string, string[]> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const tenant = pair.slice(0, at).trim();
    const domain = pair.slice(at + 1).trim().toLowerCase();
    if (at <= 0 || tenant === '' || !DOMAIN.test(domain)) throw new ConfigError(key, pair, 'must be tenant=domain, e.g. acme=news.acme.example');
    (table[tenant] ??= []).push(domain);
  }
  return table;
}

/** Checks a `{ tenant: [domain, …] }` table (a config file's), naming `key` in errors. */
export function checkSendingDomains(value: unknown, key: string): Record<string, string[]> {
  const table = value as Record<string, unknown>;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(key, value, 'must be an object of tenant name = list of domains');
  for (const [tenant, list] of Object.entries(table)) {
    if (!Array.isArray(list) || !list.every((d) => typeof d === 'string' && DOMAIN.test(d))) throw new ConfigError(`${key}.${tenant}`, list, 'must be a list of domain names');
  }
  return table as Record<string, string[]>;
}

/** Both tables' domains per tenant (a tenant in either has a list). */
export function mergeSendingDomains(a: Readonly<Record<string, readonly string[]>>, b: Readonly<Record<string, readonly string[]>>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const table of [a, b]) for (const [tenant, list] of Object.entries(table)) (out[tenant] ??= []).push(...list.map((d) => d.toLowerCase()));
  return out;
}
