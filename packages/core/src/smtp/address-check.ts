import { parseAddress } from '../message/address.js';
import { replyError } from './replies.js';

/** Refuses a MAIL/RCPT address that does not parse, with 501 and the given enhanced code. */
export function syntaxCheck(address: string, enhanced: string, what: string): void {
  try {
    parseAddress(address);
  } catch (error) {
    if (onlyLocalPartTooLong(address)) return;
    throw replyError(501, enhanced, `Bad ${what} address syntax: ${(error as Error).message.replace(/^invalid address "[^"]*": /, '')}`);
  }
}

/**
 * VERP return paths (`bounces+<id>-<local part>=<domain>@…`) run past RFC 5321's 64-octet
 * local-part limit, and RFC 5321 §4.5.3.1.1 asks receivers to accept longer ones: an address whose
 * only fault is its length passes (its dot-separated atoms are checked in pieces short enough to parse).
 */
function onlyLocalPartTooLong(address: string): boolean {
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (at <= 0 || local.length <= 64 || local.startsWith('"')) return false;
  return local.split('.').every((atom) => atom !== '' && (atom.match(/.{1,64}/gs) ?? []).every((piece) => {
    try {
      parseAddress(`${piece}@${domain}`);
      return true;
    } catch {
      return false;
    }
  }));
}
