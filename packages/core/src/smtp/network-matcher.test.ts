import { describe, expect, it } from 'vitest';
import { cidrContains, parseCidr } from '../dns/cidr.js';
import { NetworkMatcher } from './network-matcher.js';

describe('NetworkMatcher', () => {
  const networks = [parseCidr('127.0.0.0/8'), parseCidr('10.1.0.0/16'), parseCidr('2001:db8::/32')];

  it('answers as cidrContains does, asked again and past the number of addresses it remembers', () => {
    const matcher = new NetworkMatcher(networks);
    const addresses = ['127.0.0.1', '::ffff:127.0.0.2', '10.1.2.3', '10.2.0.1', '2001:db8::1', '2001:db9::1', 'not an address'];
    for (let i = 0; i < 5000; i++) addresses.push(`10.1.${(i >> 8) & 255}.${i & 255}`, `192.0.${(i >> 8) & 255}.${i & 255}`);
    const wrong: string[] = [];
    for (let round = 0; round < 2; round++) {
      for (const a of addresses) if (matcher.contains(a) !== cidrContains(networks, a)) wrong.push(`${round} ${a}`);
    }
    expect(wrong).toEqual([]);
    expect(matcher.contains('10.1.200.7')).toBe(true);
    expect(matcher.contains('10.0.200.7')).toBe(false);
  });
});
