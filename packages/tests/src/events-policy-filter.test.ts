import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, type LogRecord } from '@mtakit/core';
import { parseCidr } from '@mtakit/core/dns';
import { createMta, type Mta } from '@mtakit/core/mta';
import { SmtpSink } from '@mtakit/core/testing';
import { eventsPlugin, WebhookSink } from '@mtakit/events';
import { TestReceiver } from '@mtakit/events/testing';
import { queuePlugin } from '@mtakit/queue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sendOne } from './helpers/send.js';

// A TypeScript policy's should_enqueue_log_record(record, hook_name) decides per event endpoint
// (the endpoint's name is the hook name, as for KumoMTA's log hooks).
let dir: string;
let sink: SmtpSink;
const receivers = { all: new TestReceiver(), deliveries: new TestReceiver() };
let mta: Mta | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mtakit-events-policy-'));
  sink = await new SmtpSink().start();
  for (const r of Object.values(receivers)) await r.listen();
});
afterEach(async () => {
  await mta?.stop();
  await sink.stop();
  for (const r of Object.values(receivers)) await r.close();
  rmSync(dir, { recursive: true, force: true });
});

const types = (r: TestReceiver) => r.received.map((x) => (JSON.parse(x.body) as { type: string }).type);

describe('eventsPlugin and the policy', () => {
  it('asks should_enqueue_log_record with each endpoint’s name; a failing hook lets the record through', async () => {
    const asked: string[] = [];
    const policy = {
      should_enqueue_log_record: (record: LogRecord, hook: string) => {
        asked.push(`${hook}:${record.type}`);
        if (record.recipient === 'boom@dest.test') throw new Error('policy bug');
        return hook === 'all' || record.type === 'Delivery';
      },
    };
    const endpoint = (name: keyof typeof receivers) => ({ name, sink: new WebhookSink({ url: receivers[name].url }), batchWaitMs: 1 });
    mta = await createMta({
      hostname: 'mta.test', dataDir: dir, logger: silentLogger, policy, http: false,
      smtp: { port: 0, relayNetworks: [parseCidr('127.0.0.0/8', 'relay')] },
      plugins: [queuePlugin({ fsync: false, smarthost: sink.address }), eventsPlugin({ endpoints: [endpoint('all'), endpoint('deliveries')] })],
    });
    const port = mta.smtp?.port as number;
    for (const to of ['one@dest.test', 'boom@dest.test']) {
      expect(await sendOne(port, 'a@sender.test', to, `From: a@sender.test\r\nTo: ${to}\r\nSubject: hi\r\n\r\nhello\r\n`)).toMatch(/^250 /);
    }
    const deadline = Date.now() + 20_000;
    while ((receivers.all.received.length < 4 || receivers.deliveries.received.length < 3) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(types(receivers.all).sort()).toEqual(['Delivery', 'Delivery', 'Reception', 'Reception']);
    // one@: only its Delivery; boom@: the hook threw for both records, so both went through.
    expect(types(receivers.deliveries).sort()).toEqual(['Delivery', 'Delivery', 'Reception']);
    expect(asked).toContain('deliveries:Reception');
    expect(asked).toContain('all:Delivery');
  });
});
