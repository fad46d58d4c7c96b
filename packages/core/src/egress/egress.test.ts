import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveEgressPathConfig } from '../config/egress-path.js';
import { parseCidr } from '../dns/cidr.js';
import { MxResolver } from '../dns/mx-resolver.js';
import { SmtpSink } from '../testing/sink.js';
import { TestResolver } from '../testing/test-resolver.js';
import { BrokenTlsMemory, connectToAny, type ConnectOptions } from './connect.js';
import { SessionError, SmtpSession, type SmtpSessionOptions } from './smtp-session.js';

const timeouts = resolveEgressPathConfig({ connect_timeout: '5s', banner_timeout: '5s' }).timeouts;
const plain = new SmtpSink();
const tls = new SmtpSink({ tls: true });

beforeAll(async () => {
  await Promise.all([plain.start(), tls.start()]);
});
afterAll(async () => {
  await Promise.all([plain.stop(), tls.stop()]);
});

function options(sink: SmtpSink, extra: Partial<SmtpSessionOptions> = {}): SmtpSessionOptions {
  return { host: 'localhost', address: '127.0.0.1', port: sink.port, ehloName: 'mta.test', tls: 'Opportunistic', timeouts, ...extra };
}

const body = (text: string): Buffer => Buffer.from(`From: a@example.com\r\nSubject: t\r\n\r\n${text}`, 'latin1');

describe('SmtpSession', () => {
  it('delivers, reports per-recipient outcomes and keeps a transcript', async () => {
    const session = await SmtpSession.open(options(plain, { tls: 'Disabled' }));
    const result = await session.deliver('a@example.com', ['ok@x.test', 'permfail@x.test', 'tempfail@x.test'], body('hi\r\n'));
    const codes = Object.fromEntries(result.outcomes.map((o) => [o.recipient, o.response.code]));
    expect(codes).toEqual({ 'ok@x.test': 250, 'permfail@x.test': 550, 'tempfail@x.test': 451 });
    expect(result.outcomes[1]!.response.enhanced_code).toEqual({ class: 5, subject: 1, detail: 1 });
    expect(result.transcript.some((l) => l.startsWith('C: EHLO mta.test'))).toBe(true);
    expect(result.transcript).toContain('C: RCPT TO:<permfail@x.test>');
    expect(plain.for('ok@x.test')).toHaveLength(1);
    session.close();
  });

  it('reuses one connection for several transactions', async () => {
    const before = plain.connections;
    const session = await SmtpSession.open(options(plain, { tls: 'Disabled' }));
    for (let i = 0; i < 5; i++) {
      const r = await session.deliver('a@example.com', [`reuse${i}@x.test`], body(`n${i}\r\n`));
      expect(r.outcomes[0]!.response.code).toBe(250);
    }
    expect(session.transactions).toBe(5);
    expect(plain.connections - before).toBe(1);
    session.close();
  });

  it('relays bytes exactly: dot-stuffing, 8-bit, long lines', async () => {
    const payload = Buffer.concat([
      Buffer.from('From: a@example.com\r\nSubject: caf'),
      Buffer.from([0xc3, 0xa9]),
      Buffer.from('\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nx'),
      Buffer.from('y'.repeat(5000)),
      Buffer.from('\r\n\xff\xfe raw bytes\r\n', 'latin1'),
    ]);
    const session = await SmtpSession.open(options(plain, { tls: 'Disabled' }));
    await session.deliver('a@example.com', ['exact@x.test'], payload);
    session.close();
    expect(plain.for('exact@x.test')[0]!.data.equals(payload)).toBe(true);
  });

  it('uses STARTTLS: refuses an unverifiable certificate in Opportunistic mode, accepts it when Insecure', async () => {
    await expect(SmtpSession.open(options(tls))).rejects.toMatchObject({ response: { code: 451, enhanced_code: { class: 4, subject: 7, detail: 5 } } });
    const session = await SmtpSession.open(options(tls, { tls: 'OpportunisticInsecure' }));
    expect(session.tls?.protocol).toMatch(/TLSv1\.[23]/);
    await session.deliver('a@example.com', ['secure@x.test'], body('tls\r\n'));
    session.close();
    expect(tls.for('secure@x.test')[0]!.secure).toBe(true);
  });

  it('Required TLS fails against a server without STARTTLS', async () => {
    await expect(SmtpSession.open(options(plain, { tls: 'RequiredInsecure' }))).rejects.toBeInstanceOf(SessionError);
  });
});

describe('enable_pipelining (issue 15 item 3)', () => {
  /** A server offering PIPELINING that notes whether RCPT arrived before its (delayed) reply to MAIL. */
  async function server(): Promise<{ port: number; rcptBeforeMailReply: boolean[]; close(): void }> {
    const rcptBeforeMailReply: boolean[] = [];
    const srv = createServer((socket) => {
      let mailReplied = true;
      let buffer = '';
      socket.write('220 test\r\n');
      socket.on('data', (chunk) => {
        buffer += chunk.toString();
        let i;
        while ((i = buffer.indexOf('\r\n')) >= 0) {
          const line = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          if (/^EHLO/i.test(line)) socket.write('250-test\r\n250 PIPELINING\r\n');
          else if (/^MAIL/i.test(line)) {
            mailReplied = false;
            setTimeout(() => ((mailReplied = true), socket.write('250 ok\r\n')), 50);
          } else if (/^RCPT/i.test(line)) {
            rcptBeforeMailReply.push(!mailReplied);
            setTimeout(() => socket.write('250 ok\r\n'), 60);
          } else if (/^QUIT/i.test(line)) socket.end('221 bye\r\n');
          else if (/^(DATA|RSET)/i.test(line)) socket.end('421 enough\r\n');
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return { port: (srv.address() as AddressInfo).port, rcptBeforeMailReply, close: () => srv.close() };
  }

  it.each([[true, true], [false, false]])('enable_pipelining = %s: RCPT sent before the reply to MAIL: %s', async (pipelining, expected) => {
    const s = await server();
    const session = await SmtpSession.open({ host: 'localhost', address: '127.0.0.1', port: s.port, ehloName: 'mta.test', tls: 'Disabled', timeouts, pipelining });
    await session.deliver('a@example.com', ['r@x.test'], body('x\r\n')).catch(() => undefined);
    session.close();
    s.close();
    expect(s.rcptBeforeMailReply).toEqual([expected]);
  });
});

describe('connectToAny after a failed TLS handshake (issue 15 item 3)', () => {
  const connect = (extra: Partial<ConnectOptions>) => connectToAny([{ name: 'localhost', preference: 0, addr: '127.0.0.1', port: tls.port }], {
    ehloName: 'mta.test', tls: 'Opportunistic', timeouts, port: 25, resolver: new MxResolver(), ipLookup: 'Ipv4Only', prohibited: [], skip: [], ...extra,
  });

  it('fails without opportunistic_tls_reconnect_on_failed_handshake, reconnects in plain text with it', async () => {
    await expect(connect({ brokenTls: new BrokenTlsMemory() })).rejects.toMatchObject({ code: 'E_TLS' });
    const session = await connect({ tlsReconnect: true, brokenTls: new BrokenTlsMemory() });
    expect(session.tls).toBeNull();
    await session.deliver('a@example.com', ['plain-after-tls@x.test'], body('no tls\r\n'));
    session.close();
    expect(tls.for('plain-after-tls@x.test')[0]!.secure).toBe(false);
  });

  it('remember_broken_tls: the address is contacted without TLS until the time runs out', async () => {
    let now = 1_000;
    const memory = new BrokenTlsMemory(() => now);
    await expect(connect({ brokenTls: memory, rememberBrokenTlsMs: 60_000 })).rejects.toMatchObject({ code: 'E_TLS' });
    const remembered = await connect({ brokenTls: memory, rememberBrokenTlsMs: 60_000 });
    expect(remembered.tls).toBeNull();
    remembered.close();
    now += 60_001;
    await expect(connect({ brokenTls: memory, rememberBrokenTlsMs: 60_000 })).rejects.toMatchObject({ code: 'E_TLS' });
  });
});

describe('connectToAny', () => {
  let closedPort = 0;
  beforeAll(async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
  });

  function connectOptions(resolver: TestResolver, extra: Partial<ConnectOptions> = {}): ConnectOptions {
    return {
      ehloName: 'mta.test', tls: 'Disabled', timeouts, port: plain.port, resolver: new MxResolver({ resolver }),
      ipLookup: 'Ipv4Only', prohibited: [], skip: [], random: () => 0.5, ...extra,
    };
  }

  it('falls through to the next host when the first refuses connections', async () => {
    const zone = new TestResolver({ a: { 'mx1.x.test': ['127.0.0.1'], 'mx2.x.test': ['127.0.0.1'] } });
    const session = await connectToAny(
      [{ name: 'mx1.x.test', preference: 10, port: closedPort }, { name: 'mx2.x.test', preference: 20 }],
      connectOptions(zone),
    );
    expect(session.peer).toEqual({ name: 'mx2.x.test', addr: '127.0.0.1' });
    session.close();
  });

  it('fails permanently when every address is prohibited, transiently when none connect', async () => {
    const zone = new TestResolver({ a: { 'mx.x.test': ['127.0.0.1'] } });
    await expect(connectToAny([{ name: 'mx.x.test', preference: 0 }], connectOptions(zone, { prohibited: [parseCidr('127.0.0.0/8')] })))
      .rejects.toMatchObject({ response: { code: 550 } });
    await expect(connectToAny([{ name: 'mx.x.test', preference: 0, port: closedPort }], connectOptions(zone)))
      .rejects.toMatchObject({ response: { code: 451 } });
  });
});

describe('MxResolver', () => {
  const zone = new TestResolver({
    mx: {
      'multi.test': [{ exchange: 'b.mx.test', priority: 20 }, { exchange: 'a.mx.test.', priority: 10 }],
      'nullmx.test': [{ exchange: '.', priority: 0 }],
    },
    a: { 'nomx.test': ['127.0.0.9'] },
    nxdomain: ['gone.test'],
  });
  const mx = new MxResolver({ resolver: zone });

  it('orders by preference and computes the site name', async () => {
    const route = await mx.route('MULTI.test');
    expect(route.hosts).toEqual([{ name: 'a.mx.test', preference: 10 }, { name: 'b.mx.test', preference: 20 }]);
    expect(route.siteName).toBe('(a|b).mx.test');
  });

  it('falls back to the domain itself without MX, fails null MX and NXDOMAIN', async () => {
    expect(await mx.route('nomx.test')).toMatchObject({ implicit: true, hosts: [{ name: 'nomx.test' }] });
    await expect(mx.route('nullmx.test')).rejects.toMatchObject({ code: 'E_NULL_MX' });
    await expect(mx.route('gone.test')).rejects.toMatchObject({ code: 'E_DNS_NXDOMAIN' });
  });

  it('caches answers', async () => {
    const before = zone.queries.length;
    await mx.route('multi.test');
    await mx.route('multi.test');
    expect(zone.queries.length).toBe(before);
  });
});
