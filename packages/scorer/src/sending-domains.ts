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
