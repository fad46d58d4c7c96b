import { promises as dns } from 'node:dns';
import { MtaKitError } from '../errors.js';

export interface MxRecord {
  exchange: string;
  priority: number;
}

export interface AddressRecord {
  address: string;
  /** Seconds. */
  ttl: number;
}

/**
 * The DNS queries an MTA needs. `NodeResolver` asks the system's DNS servers; `TestResolver`
 * (`@mtakit/core/testing`) answers from a table so tests control MX, null MX and NXDOMAIN.
 *
 * Contract: `resolveMx` and `resolveIp` return `[]` when the name exists but has no such
 * records (NODATA), and throw `E_DNS_NXDOMAIN` when it does not exist, `E_DNS` on other failures.
 */
export interface Resolver {
  resolveMx(domain: string): Promise<MxRecord[]>;
  resolveIp(host: string, family: 4 | 6): Promise<AddressRecord[]>;
}

export interface NodeResolverOptions {
  /** DNS servers ("ip" or "ip:port"); default: the system's. */
  servers?: string[];
  /** Per-query timeout in ms. Default 5000. */
  timeoutMs?: number;
}

export class NodeResolver implements Resolver {
  readonly #resolver: dns.Resolver;

  constructor(options: NodeResolverOptions = {}) {
    this.#resolver = new dns.Resolver({ timeout: options.timeoutMs ?? 5000, tries: 2 });
    if (options.servers) this.#resolver.setServers(options.servers);
  }

  async resolveMx(domain: string): Promise<MxRecord[]> {
    try {
      return await this.#resolver.resolveMx(domain);
    } catch (error) {
      return handleDnsError(error, domain, 'MX');
    }
  }

  async resolveIp(host: string, family: 4 | 6): Promise<AddressRecord[]> {
    try {
      return family === 4 ? await this.#resolver.resolve4(host, { ttl: true }) : await this.#resolver.resolve6(host, { ttl: true });
    } catch (error) {
      return handleDnsError(error, host, family === 4 ? 'A' : 'AAAA');
    }
  }
}

function handleDnsError(error: unknown, name: string, type: string): never[] {
  const code = (error as { code?: string }).code;
  if (code === 'ENODATA') return [];
  if (code === 'ENOTFOUND') throw new MtaKitError('E_DNS_NXDOMAIN', `${name}: domain does not exist (NXDOMAIN)`, { cause: error });
  throw new MtaKitError('E_DNS', `${type} lookup for ${name} failed: ${code ?? String(error)}`, { cause: error });
}
