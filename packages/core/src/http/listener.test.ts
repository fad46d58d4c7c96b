import { afterAll, describe, expect, it } from 'vitest';
import { AuthFailureLimiter } from '../auth/failure-limiter.js';
import { parseCidr } from '../dns/cidr.js';
import { FakeClock } from '../testing/fake-clock.js';
import { MtaKitError } from '../errors.js';
import { HttpInputError, HttpListener } from './listener.js';

const listeners: HttpListener[] = [];
afterAll(() => Promise.all(listeners.map((l) => l.close())));

async function start(trusted: string[]): Promise<string> {
  const http = new HttpListener({ port: 0, trustedHosts: trusted.map((t) => parseCidr(t)), validateBasic: (u, p) => (u === 'ops' && p === 'pw' ? { identity: 'ops' } : false) });
  http.route('GET', '/open', () => ({ ok: true }), { public: true });
  http.route('POST', '/echo', (r) => ({ body: r.body, auth: r.auth }));
  http.route('GET', '/missing', () => {
    throw new MtaKitError('E_NOT_FOUND', 'no such thing');
  });
  http.route('GET', '/bad', () => {
    throw new HttpInputError('limit', 'limit must be a number');
  });
  listeners.push(http);
  const { port } = await http.listen();
  return `http://127.0.0.1:${port}`;
}

describe('HttpListener', () => {
  it('lets trusted hosts in without credentials', async () => {
    const url = await start(['127.0.0.0/8']);
    const r = await fetch(`${url}/echo`, { method: 'POST', body: '{"a":1}' });
    expect(await r.json()).toEqual({ body: { a: 1 }, auth: 'trusted' });
  });

  it('asks everyone else for Basic credentials', async () => {
    const url = await start(['192.0.2.0/24']);
    const anonymous = await fetch(`${url}/echo`, { method: 'POST', body: '{}' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/Basic/);
    const wrong = await fetch(`${url}/echo`, { method: 'POST', body: '{}', headers: { authorization: `Basic ${Buffer.from('ops:nope').toString('base64')}` } });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${url}/echo`, { method: 'POST', body: '{}', headers: { authorization: `Basic ${Buffer.from('ops:pw').toString('base64')}` } });
    expect(await right.json()).toMatchObject({ auth: { identity: 'ops' } });
    expect((await fetch(`${url}/open`)).status).toBe(200);
  });

  it('maps errors to JSON with status codes and the offending field', async () => {
    const url = await start(['127.0.0.0/8']);
    expect((await fetch(`${url}/nowhere`)).status).toBe(404);
    expect((await fetch(`${url}/echo`)).status).toBe(405);
    expect((await fetch(`${url}/missing`)).status).toBe(404);
    const bad = await fetch(`${url}/bad`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ field: 'limit' });
    const notJson = await fetch(`${url}/echo`, { method: 'POST', body: '{oops' });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ field: 'body' });
  });
});

describe('HttpListener against password guessing (issue 11)', () => {
  it('slows wrong Basic credentials, then locks the address and the user with 429 until the lockout expires', async () => {
    const clock = new FakeClock();
    const events: Array<{ locked: boolean; lockedNow: string[] }> = [];
    const http = new HttpListener({
      port: 0, trustedHosts: [], validateBasic: (u, p) => u === 'ops' && p === 'pw',
      authLimiter: new AuthFailureLimiter({ clock, freeFailures: 1, delayMs: 150, maxDelayMs: 150, lockAfter: 4, lockoutMs: 60_000 }),
      onAuthFailure: (e) => void events.push(e),
    });
    http.route('GET', '/x', () => ({ ok: true }));
    listeners.push(http);
    const url = `http://127.0.0.1:${(await http.listen()).port}/x`;
    const as = (user: string, pw: string) => fetch(url, { headers: { authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}` } });
    let started = Date.now();
    expect((await as('ops', 'a')).status).toBe(401);
    const unslowed = Date.now() - started;
    started = Date.now();
    expect((await as('ops', 'b')).status).toBe(401);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(unslowed).toBeLessThan(Date.now() - started);
    expect((await as('ops', 'c')).status).toBe(401);
    expect((await as('root', 'd')).status).toBe(401);
    expect(events.at(-1)?.lockedNow).toEqual(['ip:127.0.0.1']);
    // Locked: even the right password is refused, with a Retry-After.
    const locked = await as('ops', 'pw');
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toBe('60');
    expect(events.at(-1)?.locked).toBe(true);
    clock.advance(60_000);
    expect((await as('ops', 'pw')).status).toBe(200);
  });
});
