import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forRecordTypes, reject, silentLogger, type LogRecord, type Shaper } from '@mtakit/core';
import { parseCidr } from '@mtakit/core/dns';
import { createMta, type Mta, type MtaPlugin, type PluginProvides } from '@mtakit/core/mta';
import { RawSmtpClient, SmtpSink } from '@mtakit/core/testing';
import { queuePlugin } from '@mtakit/queue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sendOne } from './helpers/send.js';

// createMta over real sockets: plugins around the real queue plugin, mail delivered to a sink.
let dir: string;
let sink: SmtpSink;
const running: Mta[] = [];
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mtakit-create-mta-'));
  sink = await new SmtpSink().start();
});
afterEach(async () => {
  for (const mta of running.splice(0)) await mta.stop();
  await sink.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A plugin that records its lifecycle in `events` and provides `provides`. */
function recorder(name: string, events: string[], provides: PluginProvides = {}, dependencies: string[] = []): MtaPlugin {
  return {
    name, dependencies,
    setup: () => {
      events.push(`setup ${name}`);
      return { ...provides, start: () => void events.push(`start ${name}`), stop: () => void events.push(`stop ${name}`) };
    },
  };
}

async function start(plugins: MtaPlugin[], more: Partial<Parameters<typeof createMta>[0]> = {}): Promise<Mta> {
  const mta = await createMta({
    hostname: 'mta.test', dataDir: dir, logger: silentLogger, smtp: { port: 0, relayNetworks: [parseCidr('127.0.0.0/8', 'relay')] }, http: { port: 0 },
    plugins: [queuePlugin({ fsync: false, smarthost: sink.address }), ...plugins], ...more,
  });
  running.push(mta);
  return mta;
}

const message = (to: string) => `From: a@sender.test\r\nTo: ${to}\r\nSubject: hi\r\n\r\nhello\r\n`;

describe('createMta', () => {
  it('sets plugins up and starts them in dependency order, and stops them in reverse', async () => {
    const events: string[] = [];
    const mta = await start([recorder('scorer', events, {}, ['bounce']), recorder('bounce', events), recorder('shaping', events)]);
    expect(events).toEqual(['setup bounce', 'setup scorer', 'setup shaping', 'start bounce', 'start scorer', 'start shaping']);
    running.splice(0);
    await mta.stop();
    expect(events.slice(6)).toEqual(['stop shaping', 'stop scorer', 'stop bounce']);
  });

  it('layers policies after the application’s, runs delivery gates and log consumers, and delivers through the queue', async () => {
    const records: LogRecord[] = [];
    const deliveries: string[] = [];
    const mta = await start([
      { name: 'gate', setup: () => ({ deliveryGate: async (m) => (m.recipient.startsWith('blocked') ? { code: 550, enhanced_code: null, content: 'gated', command: null } : undefined) }) },
      { name: 'rcpt', setup: () => ({ policy: { smtp_server_rcpt_to: (to) => (to.startsWith('app') ? undefined : reject(550, 'plugin says no', '5.7.1')) } }) },
      { name: 'records', setup: () => ({ logConsumers: [(r) => void records.push(r), forRecordTypes(['Delivery'], (r) => void deliveries.push(r.type))] }) },
    ], { policy: { smtp_server_rcpt_to: (to) => (to.startsWith('refused') ? reject(550, 'application says no', '5.1.1') : undefined) } });
    const port = mta.smtp!.port;
    expect(await sendOne(port, 'a@sender.test', 'refused@example.net', message('x'))).toMatch(/^550 5\.1\.1 application says no/);
    expect(await sendOne(port, 'a@sender.test', 'someone@example.net', message('x'))).toMatch(/^550 5\.7\.1 plugin says no/);
    expect(await sendOne(port, 'a@sender.test', 'app-ok@example.net', message('app-ok@example.net'))).toMatch(/^250 /);
    await sink.waitFor(() => sink.messages.length === 1);
    expect(sink.messages[0]?.recipients).toEqual(['app-ok@example.net']);
    await waitUntil(() => records.some((r) => r.type === 'Delivery'));
    expect(records.map((r) => r.type)).toEqual(expect.arrayContaining(['Reception', 'Delivery']));
    // A consumer that names its record types gets those only.
    expect(deliveries).toEqual(['Delivery']);
  });

  it('refuses a plugin list without a queue, and two plugins giving the same single part', async () => {
    await expect(createMta({ hostname: 'mta.test', dataDir: dir, logger: silentLogger, plugins: [] })).rejects.toThrow(/no plugin provides the queue/);
    const shaper = { throttle: async () => ({ allowed: true, retryAfterMs: 0 }), acquire: async () => ({ ok: true }) } as unknown as Shaper;
    await expect(start([{ name: 'one', setup: () => ({ shaper }) }, { name: 'two', setup: () => ({ shaper }) }]))
      .rejects.toThrow(/plugins="one, two": more than one plugin provides the shaper/);
  });

  it('stops what was set up when a later plugin fails to start', async () => {
    const events: string[] = [];
    const failing: MtaPlugin = { name: 'broken', setup: () => Promise.reject(new Error('cannot open its store')) };
    await expect(start([recorder('first', events), failing])).rejects.toThrow(/cannot open its store/);
    expect(events).toEqual(['setup first', 'stop first']);
  });

  it('reloads every plugin, then drops the queue’s cached configs (bump-config-epoch)', async () => {
    const events: string[] = [];
    const mta = await start([recorder('a', events, { reload: () => void events.push('reload a') })]);
    const res = await fetch(`http://127.0.0.1:${mta.http!.port}/api/admin/bump-config-epoch`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(events).toContain('reload a');
  });

  it('times hook calls, counts the spool and the delivery attempts in /metrics', async () => {
    const mta = await start([], { policy: { smtp_server_message_received: () => undefined } });
    expect(await sendOne(mta.smtp!.port, 'a@sender.test', 'ann@example.net', message('ann@example.net'))).toMatch(/^250 /);
    await sink.waitFor(() => sink.messages.length === 1);
    const metrics = async () => (await fetch(`http://127.0.0.1:${mta.http!.port}/metrics`)).text();
    let text = await metrics();
    // The message leaves the spool once its Delivery record is written, just after the attempt.
    for (let i = 0; i < 200 && !(/deliver_message_latency_rollup_count\{service="[^"]+"\} 1/.test(text) && /^message_count 0$/m.test(text)); i++) {
      await new Promise((r) => setTimeout(r, 50));
      text = await metrics();
    }
    expect(text).toMatch(/deliver_message_latency_rollup_count\{service="[^"]+"\} 1/);
    expect(text).toMatch(/lua_event_latency_count\{event="smtp_server_message_received"\} 1/);
    expect(text).toMatch(/^message_count 0$/m); // delivered, so gone from the spool
    // Accepted over SMTP and delivered at once: read from the spool's delivery cache, not the disk.
    expect(text).toMatch(/^mtakit_spool_delivery_cache_loads\{from="memory"\} 1$/m);
    expect(text).toMatch(/^mtakit_spool_delivery_cache_loads\{from="disk"\} 0$/m);
  });

  it('asks http_server_validate_auth_basic for credentials after the application\'s validator', async () => {
    const mta = await start([], {
      http: { port: 0, trustedHosts: [], validateBasic: (user, password) => user === 'app' && password === 'own' },
      policy: { http_server_validate_auth_basic: (user, password) => user === 'ops' && password === 'sesame' },
    });
    const get = (auth?: string) => fetch(`http://127.0.0.1:${mta.http!.port}/api/admin/suspend/v1`, auth ? { headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}` } } : {});
    expect((await get()).status).toBe(401);
    expect((await get('ops:wrong')).status).toBe(401);
    expect((await get('ops:sesame')).status).toBe(200);
    expect((await get('app:own')).status).toBe(200);
  });

  it('asks smtp_server_ehlo at HELO and EHLO: a refusal is the reply, and the session may try again', async () => {
    const names: string[] = [];
    const mta = await start([], {
      policy: {
        smtp_server_ehlo: (domain) => {
          names.push(domain);
          if (domain.endsWith('.bad.example')) reject(550, `${domain} is not welcome`, '5.7.1');
        },
      },
    });
    const c = await RawSmtpClient.connect(mta.smtp!.port);
    try {
      await c.read();
      expect((await c.command('EHLO host.bad.example')).lines.join('\n')).toMatch(/^550 5\.7\.1 host\.bad\.example is not welcome/);
      expect((await c.command('HELO other.bad.example')).code).toBe(550);
      expect((await c.command('EHLO client.good.example')).code).toBe(250);
    } finally {
      c.close();
    }
    expect(names).toEqual(['host.bad.example', 'other.bad.example', 'client.good.example']);
  });
});

async function waitUntil(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
