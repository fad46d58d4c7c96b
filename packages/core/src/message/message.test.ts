import { describe, expect, it } from 'vitest';
import { Message } from './message.js';
import { isMessageId, messageIdTime, newMessageId } from './id.js';
import { formatQueueName, parseQueueName, queueNameFor } from './queue-name.js';
import { parseAddress } from './address.js';

const RAW = 'From: a@example.com\r\nTo: b@example.net\r\nX-Tenant: acme\r\nSubject: hello\r\n world\r\nx-campaign: spring\r\n\r\nbody line\r\n.dot line\r\n';

function msg(data = RAW): Message {
  return new Message({ sender: 'a@example.com', recipient: 'b@example.net', data: Buffer.from(data, 'latin1') });
}

describe('message ids', () => {
  it('are 32 hex, unique, sortable and carry their time', () => {
    const ids = Array.from({ length: 5000 }, () => newMessageId());
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    expect(ids.every(isMessageId)).toBe(true);
    expect(Math.abs(messageIdTime(ids[0] as string) - Date.now())).toBeLessThan(5000);
  });
});

describe('headers', () => {
  it('gets unfolded values case-insensitively', () => {
    const m = msg();
    expect(m.getFirstHeader('subject')).toBe('hello world');
    expect(m.getFirstHeader('X-CAMPAIGN')).toBe('spring');
    expect(m.getAllHeaders('nope')).toEqual([]);
  });

  it('appends, prepends and sets without touching the body', () => {
    const m = msg();
    m.prependHeader('Received', 'from x');
    m.appendHeader('X-Extra', 'é');
    m.setHeader('Subject', 'new');
    const text = m.getData().toString('utf8');
    expect(text.startsWith('Received: from x\r\n')).toBe(true);
    expect(m.getFirstHeader('x-extra')).toBe('é');
    expect(m.getAllHeaders('subject')).toEqual(['new']);
    expect(text.endsWith('\r\n\r\nbody line\r\n.dot line\r\n')).toBe(true);
  });

  it('prepends to unparsed bytes exactly as to parsed ones (headers read or not), in each message shape', () => {
    const shapes = [
      'Subject: a\r\nTo: b@x.org\r\n\r\nbody\r\n',
      'Subject: a\r\n folded\r\n\r\n',
      'Subject: only headers\r\n',
      'Subject: no line end',
      '\r\nno headers\r\n',
      'Subject: bare\n\nLF body\n',
      'not a header line\r\n\r\nbody\r\n',
    ];
    for (const shape of shapes) {
      const data = Buffer.from(shape, 'latin1');
      const fresh = new Message({ sender: '', recipient: 'b@x.org', data });
      const parsed = new Message({ sender: '', recipient: 'b@x.org', data });
      parsed.getFirstHeader('subject');
      for (const m of [fresh, parsed]) m.prependHeader('Received', 'from x\r\n\tby y é');
      expect(fresh.getData().toString('latin1'), shape).toBe(parsed.getData().toString('latin1'));
      expect(fresh.getFirstHeader('received'), shape).toBe('from x\tby y é');
    }
  });

  it('removes X- headers, all or by name, and imports them to meta', () => {
    const m = msg();
    m.importXHeaders();
    expect(m.meta).toMatchObject({ x_tenant: 'acme', x_campaign: 'spring' });
    expect(m.removeXHeaders(['x-tenant'])).toBe(1);
    expect(m.getFirstHeader('x-tenant')).toBeUndefined();
    expect(m.getFirstHeader('x-campaign')).toBe('spring');
    expect(m.removeXHeaders()).toBe(1);
    expect(m.removeAllHeaders('to')).toBe(1);
    expect(m.getData().toString()).toBe('From: a@example.com\r\nSubject: hello\r\n world\r\n\r\nbody line\r\n.dot line\r\n');
  });

  it('keeps 8-bit bytes and bare-LF messages intact', () => {
    const bytes = Buffer.concat([Buffer.from('Subject: caf'), Buffer.from([0xc3, 0xa9]), Buffer.from('\n\nbody \xff\n', 'latin1')]);
    const m = new Message({ sender: '', recipient: 'b@x.org', data: bytes });
    expect(m.getFirstHeader('subject')).toBe('café');
    m.appendHeader('X-A', '1');
    expect(m.getData()).toEqual(Buffer.concat([Buffer.from('Subject: caf'), Buffer.from([0xc3, 0xa9]), Buffer.from('\nX-A: 1\n\nbody \xff\n', 'latin1')]));
  });

  it('finds the header end: a bare-LF blank line in the body does not count, one before the CRLF one does', () => {
    const crlfFirst = msg('Subject: a\r\n\r\nbody\n\nmore\r\n');
    crlfFirst.appendHeader('X-A', '1');
    expect(crlfFirst.getData().toString()).toBe('Subject: a\r\nX-A: 1\r\n\r\nbody\n\nmore\r\n');
    const lfFirst = msg('Subject: a\n\nbody\r\n\r\nmore\n');
    lfFirst.appendHeader('X-A', '1');
    expect(lfFirst.headers()).toEqual([['Subject', 'a'], ['X-A', '1']]);
    expect(lfFirst.getData().toString()).toMatch(/^Subject: a\nX-A: 1\r?\n\r?\nbody\r\n\r\nmore\n$/);
  });

  it('unfolds tab- and space-folded values and decodes 8-bit ones as UTF-8', () => {
    const m = msg('Subject: one\r\n\ttwo\r\n  three \r\nX-Name: Ren\xc3\xa9e\r\n\r\n');
    expect(m.getFirstHeader('subject')).toBe('one\ttwo  three');
    expect(m.getFirstHeader('x-name')).toBe('Renée');
    expect(m.headers()).toEqual([['Subject', 'one\ttwo  three'], ['X-Name', 'Renée']]);
  });

  it('lists only the headers a filter accepts, in order, with their names as written', () => {
    const m = msg('Received: a\r\n\tb\r\nSubject: s\r\nx-name: 1\r\nSubject: t\r\n\r\nbody');
    const seen: string[] = [];
    expect(m.headers((name) => (seen.push(name), name.toLowerCase() !== 'received'))).toEqual([['Subject', 's'], ['x-name', '1'], ['Subject', 't']]);
    expect(seen).toEqual(['Received', 'Subject', 'x-name', 'Subject']);
  });

  it('refuses header injection', () => {
    expect(() => msg().appendHeader('X-A', 'a\r\nBcc: evil@x')).toThrow(/line breaks/);
    expect(() => msg().appendHeader('Bad Name', 'x')).toThrow(/invalid header name/);
  });
});

describe('queue names (reference §1.2)', () => {
  it.each([
    [{ tenant: 't', campaign: 'c' }, 'c:t@d.com'],
    [{ tenant: 't', campaign: 'c', routing_domain: 'r.com' }, 'c:t@d.com!r.com'],
    [{ tenant: 't' }, 't@d.com'],
    [{ tenant: 't', routing_domain: 'r.com' }, 't@d.com!r.com'],
    [{ campaign: 'c' }, 'c:@d.com'],
    [{ campaign: 'c', routing_domain: 'r.com' }, 'c:@d.com!r.com'],
    [{}, 'd.com'],
    [{ routing_domain: 'r.com' }, 'd.com!r.com'],
  ])('%j → %s', (meta, name) => {
    expect(queueNameFor(meta, 'd.com')).toBe(name);
    expect(formatQueueName(parseQueueName(name))).toBe(name);
    expect(parseQueueName(name)).toMatchObject({ domain: 'd.com', ...meta });
  });

  it('queue meta overrides', () => expect(queueNameFor({ queue: 'null', tenant: 't' }, 'd.com')).toBe('null'));
});

describe('addresses', () => {
  it.each(['a@b.com', '"quoted local"@b.com', 'üser@exämple.de', 'x@[127.0.0.1]'])('accepts %s', (a) => expect(() => parseAddress(a)).not.toThrow());
  it.each(['nodomain', '@b.com', 'a@', 'a@b.com:25', 'a..b@c.com', 'a b@c.com', 'a@-b.com'])('rejects %s', (a) =>
    expect(() => parseAddress(a)).toThrow(expect.objectContaining({ code: 'E_ADDRESS' })));
});
