import { MtaKitError } from '../errors.js';
import type { AddressRecord, MxRecord, Resolver } from '../dns/resolver.js';

export interface TestZone {
  /** domain → MX records; `[{ exchange: '.', priority: 0 }]` is a null MX. */
  mx?: Record<string, Array<{ exchange: string; priority: number }>>;
  /** host → IPv4 addresses. */
  a?: Record<string, string[]>;
  /** host → IPv6 addresses. */
  aaaa?: Record<string, string[]>;
  /** Names that do not exist. Names absent from every table exist but have no records (NODATA). */
  nxdomain?: string[];
  /** Names whose lookups fail with SERVFAIL. */
  servfail?: string[];
}

/** A DNS resolver answering from a table, for MX fallback, null MX and NXDOMAIN tests. */
export class TestResolver implements Resolver {
  readonly queries: string[] = [];

  constructor(readonly zone: TestZone) {}

  async resolveMx(domain: string): Promise<MxRecord[]> {
    this.queries.push(`MX ${domain}`);
    this.#check(domain);
    return (this.zone.mx?.[domain] ?? []).map((r) => ({ ...r }));
  }

  async resolveIp(host: string, family: 4 | 6): Promise<AddressRecord[]> {
    this.queries.push(`${family === 4 ? 'A' : 'AAAA'} ${host}`);
    this.#check(host);
    const table = family === 4 ? this.zone.a : this.zone.aaaa;
    return (table?.[host] ?? []).map((address) => ({ address, ttl: 300 }));
  }

  #check(name: string): void {
    if (this.zone.nxdomain?.includes(name)) throw new MtaKitError('E_DNS_NXDOMAIN', `${name}: domain does not exist (NXDOMAIN)`);
    if (this.zone.servfail?.includes(name)) throw new MtaKitError('E_DNS', `lookup for ${name} failed: SERVFAIL`);
  }
}
