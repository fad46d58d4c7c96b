import { isIP } from 'node:net';
import { ConfigError } from '../errors.js';

/** An IPv4 or IPv6 network, for relay networks, prohibited/skip hosts and trusted hosts. */
export interface Cidr {
  readonly text: string;
  readonly family: 4 | 6;
  readonly bits: bigint;
  readonly prefix: number;
}

export function parseCidr(text: string, key = 'cidr'): Cidr {
  const [addr, prefixText] = text.trim().split('/') as [string, string | undefined];
  const family = isIP(addr);
  if (family === 0) throw new ConfigError(key, text, 'is not an IP address or CIDR network');
  const width = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? width : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > width) throw new ConfigError(key, text, `prefix must be 0-${width}`);
  return { text, family: family as 4 | 6, bits: toBits(addr, family as 4 | 6), prefix };
}

/** Whether `address` (IPv4, IPv6, or IPv4-mapped IPv6) lies in one of the networks. */
export function cidrContains(networks: readonly Cidr[], address: string): boolean {
  const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  const family = isIP(plain);
  if (family === 0) return false;
  const bits = toBits(plain, family as 4 | 6);
  const width = family === 4 ? 32 : 128;
  return networks.some((n) => {
    if (n.family !== family) return false;
    const shift = BigInt(width - n.prefix);
    return bits >> shift === n.bits >> shift;
  });
}

function toBits(addr: string, family: 4 | 6): bigint {
  if (family === 4) return addr.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
  const [head, tail] = addr.includes('::') ? (addr.split('::') as [string, string]) : [addr, undefined];
  const expand = (s: string | undefined): string[] => (s ? s.split(':') : []);
  let groups = expand(head);
  let tailGroups = expand(tail);
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const last = (tail === undefined ? groups : tailGroups).at(-1);
  if (last?.includes('.')) {
    const v4 = toBits(last, 4);
    const extra = [((v4 >> 16n) & 0xffffn).toString(16), (v4 & 0xffffn).toString(16)];
    if (tail === undefined) groups = [...groups.slice(0, -1), ...extra];
    else tailGroups = [...tailGroups.slice(0, -1), ...extra];
  }
  const fill = tail === undefined ? [] : new Array<string>(8 - groups.length - tailGroups.length).fill('0');
  return [...groups, ...fill, ...tailGroups].reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
}
