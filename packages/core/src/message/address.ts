import { MtaKitError } from '../errors.js';

/**
 * Envelope addresses. Parsing is deliberately strict where it protects routing (a domain must be
 * a hostname or an address literal, no ports) and permissive in the local part (quoted strings and
 * UTF-8 are allowed, as SMTPUTF8 requires).
 */
export interface ParsedAddress {
  readonly localPart: string;
  readonly domain: string;
}

const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9\u0080-\uffff](?:[a-z0-9\u0080-\uffff-]{0,61}[a-z0-9\u0080-\uffff])?\.)*[a-z0-9\u0080-\uffff](?:[a-z0-9\u0080-\uffff-]{0,61}[a-z0-9\u0080-\uffff])?$/i;
const ADDRESS_LITERAL = /^\[(?:\d{1,3}(?:\.\d{1,3}){3}|IPv6:[0-9a-f:.]+)\]$/i;
const DOT_ATOM = /^[^\s"(),:;<>@[\\\]]+$/;
const QUOTED = /^"(?:[^"\\\r\n]|\\.)*"$/;

export function parseAddress(address: string): ParsedAddress {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) throw badAddress(address, 'expected local-part@domain');
  const localPart = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (localPart.length > 64 && !localPart.startsWith('"')) throw badAddress(address, 'local part longer than 64 octets');
  if (!(QUOTED.test(localPart) || (DOT_ATOM.test(localPart) && !localPart.startsWith('.') && !localPart.endsWith('.') && !localPart.includes('..')))) {
    throw badAddress(address, 'malformed local part');
  }
  if (!(DOMAIN.test(domain) || ADDRESS_LITERAL.test(domain))) throw badAddress(address, `malformed domain "${domain}"`);
  return { localPart, domain };
}

/** The lowercased domain of an address (for routing and queue names). */
export function domainOf(address: string): string {
  return parseAddress(address).domain.toLowerCase();
}

function badAddress(address: string, problem: string): MtaKitError {
  return new MtaKitError('E_ADDRESS', `invalid address ${JSON.stringify(address)}: ${problem}`);
}
