import { isIP } from 'node:net';
import type { IpLookupStrategy } from '../config/egress-path.js';
import { cidrContains, type Cidr } from '../dns/cidr.js';
import type { MxResolver } from '../dns/mx-resolver.js';
import { internalResponse } from '../log/records.js';
import { connectionPlan, type PlannedHost } from './connection-plan.js';
import { SessionError, SmtpSession, type SmtpSessionOptions } from './smtp-session.js';

export interface ConnectOptions extends Omit<SmtpSessionOptions, 'host' | 'address' | 'port'> {
  /** Port for hosts that do not name one (the path's `smtp_port`, or the source's `remote_port`). */
  port: number;
  /** A port that beats every other (the egress source's `remote_port`). */
  forcePort?: number | undefined;
  resolver: MxResolver;
  ipLookup: IpLookupStrategy;
  /** Addresses that must never be connected to (a host resolving only there fails permanently). */
  prohibited: readonly Cidr[];
  /** Addresses to leave out of the plan. */
  skip: readonly Cidr[];
  random?: () => number;
  /** `opportunistic_tls_reconnect_on_failed_handshake`: after a failed TLS handshake (Opportunistic modes), connect again without TLS. */
  tlsReconnect?: boolean | undefined;
  /** `remember_broken_tls`, ms: an address whose TLS handshake failed is contacted without TLS for this long. */
  rememberBrokenTlsMs?: number | undefined;
  /** Where broken-TLS addresses are remembered (default: one memory per process) and the clock it uses. */
  brokenTls?: BrokenTlsMemory;
}

/** Addresses whose TLS handshake failed, each until a time. */
export class BrokenTlsMemory {
  readonly #until = new Map<string, number>();
  constructor(private readonly now: () => number = Date.now) {}
  remember(address: string, forMs: number): void {
    this.#until.set(address, this.now() + forMs);
  }
  isBroken(address: string): boolean {
    const until = this.#until.get(address);
    if (until !== undefined && until <= this.now()) this.#until.delete(address);
    return until !== undefined && until > this.now();
  }
}

const processMemory = new BrokenTlsMemory();

/**
 * One address: TLS as configured, or without it when the address is remembered as broken; after a
 * failed handshake in an Opportunistic mode, remembered (remember_broken_tls) and retried without
 * TLS at once (opportunistic_tls_reconnect_on_failed_handshake).
 */
async function openSession(options: ConnectOptions, host: string, address: string, port: number): Promise<SmtpSession> {
  const memory = options.brokenTls ?? processMemory;
  const opportunistic = options.tls === 'Opportunistic' || options.tls === 'OpportunisticInsecure';
  const known = opportunistic && memory.isBroken(address);
  try {
    return await SmtpSession.open({ ...options, tls: known ? 'Disabled' : options.tls, host, address, port });
  } catch (error) {
    if (!(error instanceof SessionError) || !opportunistic || known || error.code !== 'E_TLS') throw error;
    if (options.rememberBrokenTlsMs) memory.remember(address, options.rememberBrokenTlsMs);
    if (!options.tlsReconnect) throw error;
    return SmtpSession.open({ ...options, tls: 'Disabled', host, address, port });
  }
}

/**
 * Opens a session to the first host of the connection plan that answers: hosts by preference
 * (shuffled within one), each host's addresses in turn. Throws a `SessionError` carrying the reply
 * to log: the last connection failure (transient), or a permanent one when every address is
 * prohibited.
 */
export async function connectToAny(hosts: readonly PlannedHost[], options: ConnectOptions): Promise<SmtpSession> {
  let last: SessionError | undefined;
  let addressesSeen = 0;
  let prohibitedSeen = 0;
  for (const host of connectionPlan(hosts, options.random)) {
    let addresses: string[];
    try {
      addresses = host.addr ? [host.addr] : isIP(host.name) ? [host.name] : await options.resolver.addresses(host.name, options.ipLookup);
    } catch (error) {
      last = new SessionError(`${host.name}: ${(error as Error).message}`, internalResponse(451, '4.4.3', `cannot resolve ${host.name}: ${(error as Error).message}`), [], error);
      continue;
    }
    for (const address of addresses) {
      addressesSeen++;
      if (cidrContains(options.prohibited, address)) {
        prohibitedSeen++;
        continue;
      }
      if (cidrContains(options.skip, address)) continue;
      try {
        return await openSession(options, host.name, address, options.forcePort ?? host.port ?? options.port);
      } catch (error) {
        if (!(error instanceof SessionError)) throw error;
        last = error;
        if (error.response.code >= 500) throw error;
      }
    }
  }
  if (addressesSeen > 0 && prohibitedSeen === addressesSeen) {
    throw new SessionError('every MX address is prohibited', internalResponse(550, '5.4.4', 'MX resolved only to prohibited addresses'), [], undefined);
  }
  throw last ?? new SessionError('no usable MX address', internalResponse(451, '4.4.4', 'MX resolved to zero usable hosts'), [], undefined);
}
