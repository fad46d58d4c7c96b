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
        return await SmtpSession.open({
          ...options,
          host: host.name,
          address,
          port: options.forcePort ?? host.port ?? options.port,
        });
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
