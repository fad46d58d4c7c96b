import { describe, expect, it } from 'vitest';
import { MtaKitError, Message } from '@mtakit/core';
import { buildTraceHeader, decodeKumoRef, decodeTraceHeader, TRACE_HEADER } from './trace.js';
import { decodeVerp, encodeVerp } from './verp.js';

describe('X-MtaKit-Ref', () => {
  const msg = new Message({
    sender: 'news@mtakit.example',
    recipient: 'jane@example.net',
    meta: { tenant: 'acme', campaign: 'spring', queue: 'spring:acme@example.net', list: 'vip', secret: 'x' },
  });

  it('round-trips id, recipient, tenant, campaign, queue and chosen meta from a Message', () => {
    const value = buildTraceHeader(msg, { includeMeta: ['list'] });
    expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeTraceHeader(value)).toEqual({
      header: TRACE_HEADER, id: msg.id, recipient: 'jane@example.net', tenant: 'acme', campaign: 'spring',
      queue: 'spring:acme@example.net', meta: { list: 'vip' }, verified: null,
    });
  });

  it('decodes a value folded over several header lines', () => {
    const value = buildTraceHeader(msg);
    const folded = `${value.slice(0, 40)}\r\n ${value.slice(40, 90)}\r\n\t${value.slice(90)}`;
    expect(decodeTraceHeader(folded)?.recipient).toBe('jane@example.net');
  });

  it('can be added to the message with the Message header API', () => {
    msg.setData(Buffer.from('Subject: hi\r\n\r\nbody'));
    msg.prependHeader(TRACE_HEADER, buildTraceHeader(msg));
    expect(decodeTraceHeader(msg.getFirstHeader(TRACE_HEADER) as string)?.id).toBe(msg.id);
  });

  it('verifies a signed value and rejects a forged or unsigned one', () => {
    const signed = buildTraceHeader(msg, { secret: 'k1' });
    expect(decodeTraceHeader(signed, { secret: 'k1' })?.verified).toBe(true);
    expect(decodeTraceHeader(signed, { secret: 'other' })?.verified).toBe(false);
    const forged = `${buildTraceHeader({ ...msg, id: msg.id, recipient: 'victim@example.net', meta: msg.meta })}.${signed.split('.')[1]}`;
    expect(decodeTraceHeader(forged, { secret: 'k1' })?.verified).toBe(false);
    expect(decodeTraceHeader(buildTraceHeader(msg), { secret: 'k1' })?.verified).toBe(false);
  });

  it('returns null for values that are not trace headers', () => {
    expect(decodeTraceHeader('not base64 !')).toBeNull();
    expect(decodeTraceHeader(Buffer.from('{"other":1}').toString('base64'))).toBeNull();
    expect(decodeTraceHeader(Buffer.from('[1,2]').toString('base64'))).toBeNull();
  });

  it('refuses to build a header that would not fit on a line', () => {
    const big = { id: msg.id, recipient: msg.recipient, meta: { blob: 'x'.repeat(800) } };
    expect(() => buildTraceHeader(big, { includeMeta: ['blob'] })).toThrow(MtaKitError);
  });
});

describe('X-KumoRef', () => {
  it('reads KumoMTA values: marker, recipient and meta fields', () => {
    const value = Buffer.from(JSON.stringify({ '_@_': '\\_/', recipient: 'a@example.com', tenant: 't1', campaign: 'c1', extra: 5 })).toString('base64');
    expect(decodeKumoRef(value)).toEqual({
      header: 'X-KumoRef', recipient: 'a@example.com', tenant: 't1', campaign: 'c1', meta: { tenant: 't1', campaign: 'c1', extra: 5 }, verified: null,
    });
    expect(decodeKumoRef(Buffer.from('{"recipient":"a@example.com"}').toString('base64'))).toBeNull();
  });
});

describe('VERP', () => {
  const id = '0194636f2a1b0001a2b3c4d5e6f70819';

  it('encodes and decodes id and recipient, including awkward local parts', () => {
    for (const recipient of ['jane@example.net', 'first.last+tag@example.co.uk', 'a-b=c@example.org']) {
      const address = encodeVerp({ id, recipient }, { domain: 'bounce.example.net' });
      expect(address.endsWith('@bounce.example.net')).toBe(true);
      expect(decodeVerp(address)).toEqual({ id, recipient });
      expect(decodeVerp(`<${address.toUpperCase()}>`)?.id).toBe(id.toUpperCase());
    }
    expect(encodeVerp({ id, recipient: 'x@example.org' }, { domain: 'b.example', prefix: 'rp' })).toBe(`rp+${id}-x=example.org@b.example`);
  });

  it('returns null for plain addresses and for other prefixes or domains when restricted', () => {
    const address = encodeVerp({ id, recipient: 'x@example.org' }, { domain: 'b.example' });
    expect(decodeVerp('postmaster@example.org')).toBeNull();
    expect(decodeVerp('user+tag@example.org')).toBeNull();
    expect(decodeVerp(address, { domain: 'other.example' })).toBeNull();
    expect(decodeVerp(address, { prefix: 'rp' })).toBeNull();
    expect(decodeVerp(address, { domain: 'B.EXAMPLE', prefix: 'bounces' })?.recipient).toBe('x@example.org');
  });

  it('rejects ids and recipients it cannot encode', () => {
    expect(() => encodeVerp({ id: 'a-b', recipient: 'x@example.org' }, { domain: 'b.example' })).toThrow(/alphanumeric/);
    expect(() => encodeVerp({ id, recipient: '"odd user"@example.org' }, { domain: 'b.example' })).toThrow(/quoted/);
    expect(() => encodeVerp({ id, recipient: 'no-at-sign' }, { domain: 'b.example' })).toThrow(MtaKitError);
  });
});
