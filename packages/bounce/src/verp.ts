import { MtaKitError, parseAddress } from '@mtakit/core';

/**
 * VERP return paths: the envelope sender of each message names the message and its recipient,
 * so a bounce sent to it identifies both even when the bounce quotes nothing of the original.
 *
 *   bounces+<id>-<recipient local part>=<recipient domain>@<bounce domain>
 *   bounces+0194a1b2c3d40000a1b2c3d4e5f60718-jane.doe=example.com@bounce.example.net
 *
 * The id is alphanumeric (mtakit's message ids are 32 hex digits), so the first `-` after the
 * `+` ends it; the recipient's domain cannot contain `=`, so the last `=` splits the recipient.
 * Receivers may lower-case local parts: hex ids survive that. The address is longer than the
 * 64 octets RFC 5321 allows a local part; nearly every MTA accepts it, but not all.
 */
export interface VerpOptions {
  /** Bounce domain, e.g. `bounce.example.net` (its MX must reach the OOB listener). */
  domain: string;
  /** Local-part prefix. Default: `bounces`. */
  prefix?: string;
}

export interface VerpData {
  id: string;
  recipient: string;
}

const ID = /^[A-Za-z0-9]+$/;

export function encodeVerp(data: VerpData, options: VerpOptions): string {
  const prefix = options.prefix ?? 'bounces';
  if (!ID.test(data.id)) throw new MtaKitError('E_ADDRESS', `VERP id ${JSON.stringify(data.id)} must be alphanumeric`);
  const { localPart, domain } = parseAddress(data.recipient);
  if (localPart.startsWith('"')) {
    throw new MtaKitError('E_ADDRESS', `cannot VERP-encode quoted local part in ${JSON.stringify(data.recipient)}`);
  }
  return `${prefix}+${data.id}-${localPart}=${domain}@${options.domain}`;
}

/**
 * Decodes a VERP address (angle brackets allowed); null when it is not one. With `domain` or
 * `prefix` given, addresses for other domains or prefixes are not VERP.
 */
export function decodeVerp(address: string, options: Partial<VerpOptions> = {}): VerpData | null {
  const bare = address.trim().replace(/^<(.*)>$/, '$1');
  const at = bare.lastIndexOf('@');
  if (at <= 0) return null;
  const local = bare.slice(0, at);
  if (options.domain !== undefined && bare.slice(at + 1).toLowerCase() !== options.domain.toLowerCase()) return null;
  const plus = local.indexOf('+');
  if (plus <= 0) return null;
  if (options.prefix !== undefined && local.slice(0, plus).toLowerCase() !== options.prefix.toLowerCase()) return null;
  const rest = local.slice(plus + 1);
  const dash = rest.indexOf('-');
  const eq = rest.lastIndexOf('=');
  if (dash <= 0 || eq <= dash + 1 || eq === rest.length - 1) return null;
  const id = rest.slice(0, dash);
  if (!ID.test(id)) return null;
  return { id, recipient: `${rest.slice(dash + 1, eq)}@${rest.slice(eq + 1)}` };
}
