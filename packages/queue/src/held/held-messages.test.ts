import { describe, expect, it } from 'vitest';
import { HeldMessages } from './held-messages.js';

describe('HeldMessages', () => {
  it('lists held messages by queue selector and ids', () => {
    const held = new HeldMessages();
    held.add('a', 'promo:acme@dest.test');
    held.add('b', 'news:acme@other.test');
    held.add('c', 'promo:beta@dest.test');
    expect(held.list({ campaign: 'promo' }).map((h) => h.id)).toEqual(['a', 'c']);
    expect(held.list({ tenant: 'acme', domain: 'DEST.test' })).toEqual([{ id: 'a', queue: 'promo:acme@dest.test' }]);
    expect(held.list({}, ['b', 'c']).map((h) => h.id)).toEqual(['b', 'c']);
    expect(held.delete('a')).toBe(true);
    expect(held.has('a')).toBe(false);
    expect(held.size).toBe(2);
  });
});
