import { describe, expect, it } from 'vitest';
import { cidrContains, parseCidr } from './cidr.js';
import { siteNameFor } from './site-name.js';

describe('siteNameFor (MX rollup)', () => {
  it('rolls gmail and googlemail up to one site', () => {
    const gmail = ['gmail-smtp-in.l.google.com', 'alt1.gmail-smtp-in.l.google.com', 'alt2.gmail-smtp-in.l.google.com', 'alt3.gmail-smtp-in.l.google.com', 'alt4.gmail-smtp-in.l.google.com'];
    const googlemail = ['alt4.gmail-smtp-in.l.google.com.', 'ALT2.gmail-smtp-in.l.google.com', 'gmail-smtp-in.l.google.com', 'alt1.gmail-smtp-in.l.google.com', 'alt3.gmail-smtp-in.l.google.com'];
    expect(siteNameFor(gmail)).toBe('(alt1|alt2|alt3|alt4)?.gmail-smtp-in.l.google.com');
    expect(siteNameFor(googlemail)).toBe(siteNameFor(gmail));
  });

  it('yahoo', () => {
    expect(siteNameFor(['mta6.am0.yahoodns.net', 'mta5.am0.yahoodns.net', 'mta7.am0.yahoodns.net'])).toBe('(mta5|mta6|mta7).am0.yahoodns.net');
  });

  it('single host and ports', () => {
    expect(siteNameFor(['mx.example.com'])).toBe('mx.example.com');
    expect(siteNameFor(['a.mx.example.com:2525', 'b.mx.example.com:2525'])).toBe('(a|b).mx.example.com:2525');
  });
});

describe('cidr', () => {
  it('matches v4, v6 and mapped addresses', () => {
    const nets = ['127.0.0.0/8', '::1', '10.1.0.0/16', '2001:db8::/32'].map((t) => parseCidr(t));
    expect(cidrContains(nets, '127.3.4.5')).toBe(true);
    expect(cidrContains(nets, '::ffff:127.0.0.1')).toBe(true);
    expect(cidrContains(nets, '::1')).toBe(true);
    expect(cidrContains(nets, '10.1.255.1')).toBe(true);
    expect(cidrContains(nets, '10.2.0.1')).toBe(false);
    expect(cidrContains(nets, '2001:db8:1::5')).toBe(true);
    expect(cidrContains(nets, '2001:db9::5')).toBe(false);
    expect(() => parseCidr('300.1.1.1/8', 'relay_networks[0]')).toThrow(/relay_networks\[0\]/);
  });
});
