import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventsFixture } from './helpers/events.js';
import { mtakit } from './helpers/cli.js';
import { injectMessages } from './helpers/inject.js';
import { startMtaProcess } from './helpers/mta-process.js';

describe('mtakit events: endpoints, dead letters and replay against the running MTA', () => {
  const f = eventsFixture('mtakit-events-cli-');
  const { dir, sink, receiver } = f;

  it('lists what a refusing receiver dead-lettered, replays it, and counts it in the metrics', async () => {
    await f.start();
    receiver.mode = 'reject';
    writeFileSync(join(dir, 'events.json'), JSON.stringify({ endpoints: [{ name: 'hooks', type: 'webhook', url: receiver.url, events: ['Delivery'] }] }));
    const mta = (f.mta = await startMtaProcess({ MTAKIT_DATA_DIR: join(dir, 'data'), MTAKIT_SMARTHOST: sink.address, MTAKIT_EVENTS: join(dir, 'events.json') }));
    const url = `http://127.0.0.1:${mta.httpPort}`;
    const { acked } = await injectMessages(mta.smtpPort, ['a@dest.test', 'b@dest.test'], {});
    expect(acked).toHaveLength(2);
    const deadline = Date.now() + 90_000;
    let listed: { dead_letters: Array<{ reason: string; event: { type: string } }> } = { dead_letters: [] };
    while (listed.dead_letters.length < 2 && Date.now() < deadline) {
      const r = mtakit(['events', 'dlq', 'list', 'hooks', '--json', '--url', url]);
      expect(r.status, r.stderr).toBe(0);
      listed = JSON.parse(r.stdout) as typeof listed;
      if (listed.dead_letters.length < 2) await new Promise((res) => setTimeout(res, 200));
    }
    expect(listed.dead_letters.map((d) => d.event.type)).toEqual(['Delivery', 'Delivery']);
    expect(listed.dead_letters[0]?.reason).toContain('400');
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/events_dead_lettered_total\{endpoint="hooks"\} 2/);

    receiver.mode = 'ok';
    const replay = mtakit(['events', 'dlq', 'replay', 'hooks', '--url', url]);
    expect(replay.stdout).toContain('2 event(s) queued again for hooks');
    const until = Date.now() + 15_000;
    while (receiver.eventIds().length < 2 && Date.now() < until) await new Promise((res) => setTimeout(res, 100));
    expect(receiver.eventIds()).toHaveLength(2);
    const table = mtakit(['events', 'endpoints', '--url', url]);
    expect(table.stdout).toMatch(/hooks\s+http:\/\/127\.0\.0\.1:\d+\/hook\s+2\s+[1-9]\d*\s+2\s+0/);
    expect(mtakit(['events', 'dlq', 'list', 'nope', '--url', url]).stderr).toMatch(/no such event endpoint/);
  }, 240_000);
});
