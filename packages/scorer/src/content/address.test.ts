import { describe, expect, it } from 'vitest';
import { parseMailboxes } from './address.js';

describe('parseMailboxes reads From the way a mail client shows it', () => {
  it('keeps an unquoted display name with a comma as one mailbox', () => {
    expect(parseMailboxes('Facebook ,_<x@random.example>')).toEqual([{ display: 'Facebook, _', address: 'x@random.example', domain: 'random.example' }]);
    expect(parseMailboxes('Doe, John <john@acme.example>')).toEqual([{ display: 'Doe, John', address: 'john@acme.example', domain: 'acme.example' }]);
  });

  it('still splits real lists of addresses', () => {
    expect(parseMailboxes('"Doe, Jane" <jane@a.example>, bob@b.example').map((m) => m.address)).toEqual(['jane@a.example', 'bob@b.example']);
  });

  it('reads addresses without angle brackets, with the rest as the name', () => {
    expect(parseMailboxes('PayPal Service service@evil.example')).toEqual([{ display: 'PayPal Service', address: 'service@evil.example', domain: 'evil.example' }]);
    expect(parseMailboxes('alerts@bank.example (Bank Security)')[0]).toMatchObject({ display: 'Bank Security', domain: 'bank.example' });
    expect(parseMailboxes('Support <help@acme.example')[0]).toMatchObject({ display: 'Support', domain: 'acme.example' });
  });

  it('decodes encoded words in the name', () => {
    expect(parseMailboxes('=?utf-8?B?UGF5UGFs?= <x@evil.example>')[0]?.display).toBe('PayPal');
  });

  it('gives a mailbox without a domain when there is no address at all', () => {
    expect(parseMailboxes('undisclosed-recipients')).toEqual([{ display: '', address: 'undisclosed-recipients', domain: '' }]);
  });
});
