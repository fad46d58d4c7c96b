import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mtakit } from './helpers/cli.js';
import { injectMessages } from './helpers/inject.js';
import { mtaFixture, startMtaProcess } from './helpers/mta-process.js';

/** Collects SSE `event:` names from the live tail until `count` arrived. */
function tail(url: string, count: number): { events: Promise<string[]>; ready: Promise<void> } {
  let ready!: () => void;
  const readyP = new Promise<void>((r) => (ready = r));
  const events = new Promise<string[]>((resolve, reject) => {
    const names: string[] = [];
    const req = request(url, (res) => {
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (chunk: string) => {
        buf += chunk;
        if (buf.includes(': mtakit log tail')) ready();
        for (const m of buf.matchAll(/^event: (\w+)$/gm)) names.push(m[1] as string);
        buf = buf.slice(buf.lastIndexOf('\n\n') + 2);
        if (names.length >= count) {
          req.destroy();
          resolve(names);
        }
      });
    });
    req.on('error', (e) => (names.length >= count ? undefined : reject(e)));
    req.end();
  });
  return { events, ready: readyP };
}

describe('log queries: HTTP (NDJSON), live tail (SSE) and mtakit logs', () => {
  const f = mtaFixture('mtakit-logs-e2e-');
  const { dir, sink } = f;

  it('finds the records of delivered mail by type, recipient and domain, and streams new ones live', async () => {
    await sink.start();
    const mta = (f.mta = await startMtaProcess({ MTAKIT_DATA_DIR: join(dir, 'data'), MTAKIT_SMARTHOST: sink.address }));
    const base = `http://127.0.0.1:${mta.httpPort}`;
    const live = tail(`${base}/api/logs/v1/tail?type=Delivery`, 3);
    await live.ready;
    const recipients = ['a@one.test', 'b@one.test', 'c@two.test'];
    expect((await injectMessages(mta.smtpPort, recipients)).acked).toHaveLength(3);
    expect(await live.events).toEqual(['Delivery', 'Delivery', 'Delivery']);

    const ndjson = await (await fetch(`${base}/api/logs/v1?type=Delivery&domain=one.test`)).text();
    const found = ndjson.trim().split('\n').map((l) => JSON.parse(l) as { recipient: string; type: string });
    expect(found.map((r) => r.recipient).sort()).toEqual(['a@one.test', 'b@one.test']);
    const bad = await fetch(`${base}/api/logs/v1?type=Delivered`);
    expect(bad.status).toBe(400);

    const cli = mtakit(['logs', '--dir', join(dir, 'data', 'logs'), '--recipient', 'C@two.test', '--json']);
    expect(cli.status, cli.stderr).toBe(0);
    const types = cli.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type);
    expect(types.filter((t) => t !== 'PreSendVerdict')).toEqual(['Reception', 'Delivery']);
    const human = mtakit(['logs', '--dir', join(dir, 'data', 'logs'), '--type', 'Reception', '--limit', '1']);
    expect(human.stdout).toMatch(/^\S+Z Reception\s+[0-9a-f]{32} \S+@\S+ /);
  }, 120_000);
});

describe('mtakit logs: the node\'s logs (MTAKIT_WORKERS)', () => {
  it('reads <log_dir> and each worker\'s <log_dir>/shard-<i>, merged in time order', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtakit-logs-shards-'));
    try {
      const record = (id: string, timestamp: number) => JSON.stringify({
        type: 'Delivery', id, timestamp, sender: 's@example.com', recipient: `${id}@dest.test`, queue: 'dest.test', site: '', size: 10,
        response: { code: 250, enhanced_code: null, content: 'ok', command: null }, peer_address: null, egress_pool: null, egress_source: null,
        meta: {}, headers: {}, delivery_protocol: 'ESMTP', num_attempts: 1, bounce_classification: 'Uncategorized', created: timestamp, nodeid: 'n',
      });
      mkdirSync(join(dir, 'shard-1'));
      writeFileSync(join(dir, '20261203-120000.jsonl'), `${record('a', 1764763200)}\n${record('c', 1764763300)}\n`);
      writeFileSync(join(dir, 'shard-1', '20261203-120010.jsonl'), `${record('b', 1764763250)}\n${record('d', 1764763400)}\n`);
      const cli = mtakit(['logs', '--dir', dir, '--json']);
      expect(cli.status, cli.stderr).toBe(0);
      expect(cli.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['a', 'b', 'c', 'd']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
