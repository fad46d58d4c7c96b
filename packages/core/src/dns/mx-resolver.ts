import { LRUCache } from 'lru-cache';
import type { IpLookupStrategy } from '../config/egress-path.js';
import { MtaKitError } from '../errors.js';
import { HostsFile } from './hosts-file.js';
import { NodeResolver, type Resolver } from './resolver.js';
import { siteNameFor } from './site-name.js';

export interface MxHost {
  name: string;
  preference: number;
}

/** Where mail for a domain goes: its MX hosts (or the domain itself, without MX) and site name. */
export interface DomainRoute {
  domain: string;
  /** Sorted by preference, lowest first. */
  hosts: MxHost[];
  siteName: string;
  /** True when the domain has no MX and its own A/AAAA records are used (RFC 5321 §5.1). */
  implicit: boolean;
}

export interface MxResolverOptions {
  resolver?: Resolver;
  /** Cached domains and hosts. Default 10,000. */
  maxEntries?: number;
  /**
   * How long an MX answer is cached, in ms. Default 5 minutes (node:dns does not report MX TTLs);
   * A/AAAA answers are cached for their own TTL, capped by this.
   */
  ttlMs?: number;
  /** How long a failed lookup is remembered, in ms. Default 60 s. */
  negativeTtlMs?: number;
  /** Consulted before DNS for host addresses, as getaddrinfo would. Default /etc/hosts. */
  hostsFile?: HostsFile;
}

type Cached<T> = { ok: true; value: T } | { ok: false; error: MtaKitError };

/** MX and address resolution with an lru-cache in front; concurrent lookups of one name share one query. */
export class MxResolver {
  readonly #resolver: Resolver;
  readonly #routes: LRUCache<string, Cached<DomainRoute>>;
  readonly #addresses: LRUCache<string, Cached<AddressAnswer>>;
  readonly #ttlMs: number;
  readonly #negativeTtlMs: number;
  readonly #hosts: HostsFile;

  constructor(options: MxResolverOptions = {}) {
    this.#resolver = options.resolver ?? new NodeResolver();
    this.#hosts = options.hostsFile ?? new HostsFile();
    this.#ttlMs = options.ttlMs ?? 300_000;
    this.#negativeTtlMs = options.negativeTtlMs ?? 60_000;
    const max = options.maxEntries ?? 10_000;
    this.#routes = new LRUCache({
      max,
      fetchMethod: async (domain, _stale, { options: o }) => {
        const result = await capture(() => this.#lookupRoute(domain));
        o.ttl = result.ok ? this.#ttlMs : this.#negativeTtlMs;
        return result;
      },
    });
    this.#addresses = new LRUCache({
      max,
      fetchMethod: async (key, _stale, { options: o }) => {
        const [host, strategy] = key.split('|') as [string, IpLookupStrategy];
        const result = await capture(() => this.#lookupAddresses(host, strategy));
        o.ttl = result.ok ? Math.max(1000, Math.min(this.#ttlMs, result.value.ttlMs)) : this.#negativeTtlMs;
        return result;
      },
    });
  }

  /** The route for a domain. Throws `E_NULL_MX`, `E_DNS_NXDOMAIN` or `E_DNS`. */
  async route(domain: string): Promise<DomainRoute> {
    return unwrap(await this.#routes.fetch(domain.toLowerCase()));
  }

  /** Addresses of a host in the order the strategy prefers. Throws `E_DNS_NXDOMAIN` or `E_DNS`. */
  async addresses(host: string, strategy: IpLookupStrategy = 'Ipv4AndIpv6'): Promise<string[]> {
    return unwrap(await this.#addresses.fetch(`${host.toLowerCase()}|${strategy}`)).addresses;
  }

  /** Forgets everything cached (tests, or after a DNS change an operator wants picked up now). */
  clear(): void {
    this.#routes.clear();
    this.#addresses.clear();
  }

  async #lookupRoute(domain: string): Promise<DomainRoute> {
    const records = await this.#resolver.resolveMx(domain);
    if (records.length === 0) {
      // No MX: the domain itself is the implicit MX, if it has addresses (checked at connect time).
      return { domain, hosts: [{ name: domain, preference: 0 }], siteName: siteNameFor([domain]), implicit: true };
    }
    if (records.some((r) => r.exchange === '' || r.exchange === '.')) {
      throw new MtaKitError('E_NULL_MX', `${domain} does not accept mail (null MX, RFC 7505)`);
    }
    const hosts = records
      .map((r) => ({ name: r.exchange.toLowerCase().replace(/\.$/, ''), preference: r.priority }))
      .sort((a, b) => a.preference - b.preference || a.name.localeCompare(b.name));
    return { domain, hosts, siteName: siteNameFor(hosts.map((h) => h.name)), implicit: false };
  }

  async #lookupAddresses(host: string, strategy: IpLookupStrategy): Promise<AddressAnswer> {
    const families: Array<4 | 6> =
      strategy === 'Ipv4Only' ? [4] : strategy === 'Ipv6Only' ? [6] : strategy === 'Ipv6ThenIpv4' ? [6, 4] : [4, 6];
    const listed = this.#hosts.lookup(host, families);
    if (listed.length > 0) return { addresses: listed, ttlMs: this.#ttlMs };
    const answers = await Promise.allSettled(families.map((f) => this.#resolver.resolveIp(host, f)));
    const addresses: string[] = [];
    let ttlMs = this.#ttlMs;
    let firstError: unknown;
    for (const a of answers) {
      if (a.status === 'rejected') {
        firstError ??= a.reason;
        continue;
      }
      for (const r of a.value) {
        addresses.push(r.address);
        ttlMs = Math.min(ttlMs, r.ttl * 1000);
      }
    }
    if (addresses.length === 0 && firstError) throw firstError;
    return { addresses, ttlMs };
  }
}

interface AddressAnswer {
  addresses: string[];
  ttlMs: number;
}

async function capture<T>(fn: () => Promise<T>): Promise<Cached<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    const e = error instanceof MtaKitError ? error : new MtaKitError('E_DNS', (error as Error).message ?? String(error), { cause: error });
    return { ok: false, error: e };
  }
}

function unwrap<T>(entry: Cached<T> | undefined): T {
  if (!entry) throw new MtaKitError('E_INTERNAL', 'DNS cache returned nothing');
  if (!entry.ok) throw entry.error;
  return entry.value;
}
