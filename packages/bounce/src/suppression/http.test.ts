import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCidr } from '@mtakit/core/dns';
import { HttpListener } from '@mtakit/core/http';
import { FakeClock } from '@mtakit/core/testing';
import { registerSuppressionRoutes } from './http.js';
import { MemorySuppressionStore } from './memory-store.js';
import { createUnsubscribeToken, oneClickUnsubscribeHandler, unsubscribeHeaders, verifyUnsubscribeToken } from './unsubscribe.js';

const DAY = 86_400_000;
const clock = new FakeClock(Date.UTC(2026, 2, 1));

describe('suppression HTTP API', () => {
  const store = new MemorySuppressionStore({ clock });
  const http = new HttpListener({ port: 0, trustedHosts: [parseCidr('127.0.0.0/8')] });
  registerSuppressionRoutes(http, store, { clock });
  let base = '';

  beforeAll(async () => {
    const a = await http.listen();
    base = `http://127.0.0.1:${a.port}/api/admin/suppression/v1`;
  });
  afterAll(() => http.close());

  const post = async (path: string, body: unknown) => {
    const r = await fetch(`${base}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const get = async (path: string) => {
    const r = await fetch(`${base}/${path}`);
    return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
  };

  it('adds, checks, lists and removes entries', async () => {
    expect(await post('add', { entries: [
      { recipient: 'Jane@Example.net', tenant: 'acme', reason: 'complaint', note: 'called us' },
      { recipient: 'gone@example.net', reason: 'bounce', category: 'InvalidRecipient', expires: '2027-01-01T00:00:00Z' },
    ] })).toEqual({ status: 200, body: { added: 2 } });
    expect(await post('add', { recipient: 'single@example.net' })).toEqual({ status: 200, body: { added: 1 } });

    const check = JSON.parse((await get('check?recipient=jane@example.net&tenant=acme')).text);
    expect(check).toMatchObject({ suppressed: true, entry: { recipient: 'jane@example.net', tenant: 'acme', reason: 'complaint', source_type: 'api', expires: null, created: clock.now() } });
    expect(JSON.parse((await get('check?recipient=jane@example.net&tenant=globex')).text)).toEqual({ suppressed: false });
    expect(JSON.parse((await get('check?recipient=gone@example.net&tenant=globex')).text).entry.expires).toBe(Date.UTC(2027, 0, 1));

    const page1 = JSON.parse((await get('list?limit=2')).text);
    expect(page1.entries).toHaveLength(2);
    expect(page1.next).toBe(2);
    const page2 = JSON.parse((await get('list?limit=2&offset=2')).text);
    expect(page2).toMatchObject({ next: null });
    expect([...page1.entries, ...page2.entries].map((e: { recipient: string }) => e.recipient).sort()).toEqual(['gone@example.net', 'jane@example.net', 'single@example.net']);
    expect(JSON.parse((await get('list?tenant=acme')).text).entries.map((e: { recipient: string }) => e.recipient)).toEqual(['jane@example.net']);
    expect(JSON.parse((await get('list?global=1&reason=bounce')).text).entries.map((e: { recipient: string }) => e.recipient)).toEqual(['gone@example.net']);

    expect(await post('remove', { entries: [{ recipient: 'jane@example.net', tenant: 'acme' }, { recipient: 'never@example.net' }] })).toEqual({ status: 200, body: { removed: 1 } });
    expect(JSON.parse((await get('check?recipient=jane@example.net&tenant=acme')).text)).toEqual({ suppressed: false });
  });

  it('gives manual bounces the policy expiry when none is given', async () => {
    await post('add', { recipient: 'later@example.net', reason: 'bounce' });
    expect(JSON.parse((await get('check?recipient=later@example.net')).text).entry.expires).toBe(clock.now() + 365 * DAY);
  });

  it('imports CSV and exports it in both shapes', async () => {
    const imported = await post('import', { csv: 'type,timeLogged,orig,rcpt,dsnStatus,dsnDiag,bounceCat\nb,1767225600,a@b.example,pm@example.org,5.1.1,smtp;550 5.1.1 unknown,bad-mailbox\nd,1767225600,a@b.example,ok@example.org,2.0.0,,\n', tenant: 'globex' });
    expect(imported).toEqual({ status: 200, body: { format: 'pmta', imported: 1, skipped: 1, skipped_rows: [{ row: 3, reason: 'record type "d" is not a bounce or feedback record' }] } });
    const ours = await get('export?tenant=globex');
    expect(ours.type).toBe('text/csv; charset=utf-8');
    expect(ours.text).toBe('recipient,tenant,reason,category,source_type,source_id,created,expires,note\r\npm@example.org,globex,bounce,InvalidRecipient,import,,2026-01-01T00:00:00.000Z,2027-01-01T00:00:00.000Z,550 5.1.1 unknown\r\n');
    const pmta = await get('export?tenant=globex&format=pmta');
    expect(pmta.text.split('\r\n')[1]).toBe('b,2026-01-01 00:00:00+0000,,pm@example.org,5.1.1,smtp;550 5.1.1 unknown,bad-mailbox,');
  });

  it('answers 400 naming the field for bad input', async () => {
    expect(await post('add', { entries: [{ recipient: 'nope' }] })).toMatchObject({ status: 400, body: { field: 'entries[0].recipient', error: expect.stringMatching(/invalid address "nope"/) } });
    expect(await post('add', { entries: [{ recipient: 'a@example.com', reason: 'spam' }] })).toMatchObject({ status: 400, body: { field: 'entries[0]' } });
    expect(await post('import', { text: 'x' })).toMatchObject({ status: 400, body: { field: 'csv' } });
    expect((await get('list?limit=0')).status).toBe(400);
    expect((await get('export?format=xml')).status).toBe(400);
    expect((await get('check')).status).toBe(400);
  });
});

describe('one-click unsubscribe', () => {
  const secret = 'unsubscribe-secret';

  it('verifies its own tokens and refuses edited or foreign ones', () => {
    const token = createUnsubscribeToken({ recipient: 'jane@example.net', tenant: 'acme', campaign: 'spring' }, secret);
    expect(verifyUnsubscribeToken(token, secret)).toEqual({ recipient: 'jane@example.net', tenant: 'acme', campaign: 'spring' });
    const forged = createUnsubscribeToken({ recipient: 'victim@example.net' }, 'other-secret');
    expect(verifyUnsubscribeToken(forged, secret)).toBeNull();
    const [, signature] = token.split('.');
    const swapped = `${Buffer.from('{"r":"victim@example.net"}').toString('base64url')}.${signature}`;
    expect(verifyUnsubscribeToken(swapped, secret)).toBeNull();
    expect(verifyUnsubscribeToken('garbage', secret)).toBeNull();
  });

  describe('receiver', () => {
    const store = new MemorySuppressionStore({ clock });
    let server: Server;
    let url = '';
    beforeAll(async () => {
      server = createServer(oneClickUnsubscribeHandler({ store, secret, clock }));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/unsubscribe`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('records an opt-out on the RFC 8058 POST and not on GET', async () => {
      const headers = unsubscribeHeaders(url, { recipient: 'Jane@Example.net', tenant: 'acme', campaign: 'spring' }, secret);
      expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
      const link = (/^<(.+)>$/.exec(headers['List-Unsubscribe']) as RegExpExecArray)[1] as string;

      const page = await fetch(link);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<form method="post".*jane@example\.net/);
      expect(await store.check('jane@example.net', 'acme')).toBeUndefined();

      const r = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
      expect(r.status).toBe(200);
      expect(await store.check('jane@example.net', 'acme')).toMatchObject({ reason: 'unsubscribe', category: 'Unsubscribe', source_type: 'unsubscribe', source_id: 'spring', expires: null });
      expect(await store.check('jane@example.net', 'globex')).toBeUndefined();
    });

    it('answers 403 to a forged link and records nothing', async () => {
      const forged = unsubscribeHeaders(url, { recipient: 'victim@example.net' }, 'guessed-secret')['List-Unsubscribe'].slice(1, -1);
      const r = await fetch(forged, { method: 'POST', body: 'List-Unsubscribe=One-Click' });
      expect(r.status).toBe(403);
      expect(await store.check('victim@example.net')).toBeUndefined();
    });
  });
});
