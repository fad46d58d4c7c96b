import { createServer, type Socket } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { injectMessages } from './helpers/inject.js';
import { mtaFixture, startMtaProcess } from './helpers/mta-process.js';
import { adminCall, outputMatch, processesGone, spoolBytes, workerPids, workersReady } from './helpers/workers.js';

/**
 * MTAKIT_WORKERS: worker processes sharing the listeners, one spool shard each, supervised by the
 * primary. Real processes, real sockets, a real sink.
 */
describe('workers: SIGKILL of one worker under load', () => {
  const f = mtaFixture('mtakit-workers-kill-', { dataDelayMs: 50 });

  it('restarts it on its shard and loses no acknowledged message', async () => {
    await f.sink.start();
    // Shaping on (the default): the node-wide store in the primary, whose connection limit the
    // successor shares with the surviving worker, so its dispatchers are refused and paused.
    const mta = (f.mta = await startMtaProcess({ MTAKIT_WORKERS: '2', MTAKIT_DATA_DIR: f.dir, MTAKIT_SMARTHOST: f.sink.address, MTAKIT_SCORER: 'off' }));
    const before = await workersReady(mta, 2);
    const recipients = Array.from({ length: 800 }, (_, i) => `w${i}@dest.test`);
    let victim: number | undefined;
    const { acked } = await injectMessages(mta.smtpPort, recipients, {
      connections: 12,
      onAck: (n) => {
        if (n !== 200) return;
        // The worker holding more of the spool at that moment: the kill certainly hits mail in flight.
        victim = spoolBytes(f.dir, 1) > spoolBytes(f.dir, 0) ? 1 : 0;
        process.kill(before.get(victim) as number, 'SIGKILL');
      },
    });
    expect(victim).toBeDefined();
    expect(acked.length).toBeGreaterThan(200);
    // The primary starts a new worker on the same shard; it requeues the acknowledged mail that
    // shard's spool held undelivered.
    const pid = before.get(victim as number) as number;
    await outputMatch(mta, new RegExp(`worker ${victim} \\(pid ${pid}\\) died \\(SIGKILL\\); restarting it on shard ${victim}`));
    const requeued = Number((await outputMatch(mta, new RegExp(`worker ${victim}: recovery: (\\d+) messages requeued in`)))[1]);
    expect(requeued).toBeGreaterThan(0);
    expect(workerPids(mta.output()).get(victim as number)).not.toBe(pid);

    const missing = () => acked.filter((r) => !f.sink.byRecipient.has(r));
    await f.sink.waitFor(() => missing().length === 0, 90_000).catch(() => undefined);
    const duplicates = acked.reduce((n, r) => n + Math.max(0, (f.sink.byRecipient.get(r) ?? 0) - 1), 0);
    console.info(`workers kill: worker ${victim} SIGKILLed, ${requeued} requeued by its successor, ${acked.length} acknowledged, ${duplicates} duplicates, ${missing().length} lost`);
    expect(missing()).toEqual([]);
  }, 240_000);
});

describe('workers: a restart with a different MTAKIT_WORKERS', () => {
  // A peer that accepts connections and never greets: mail stays queued, untried, while it is the smart host.
  const held: Socket[] = [];
  const blackhole = createServer((socket) => void held.push(socket));
  const f = mtaFixture('mtakit-workers-reshard-', {}, async () => {
    for (const s of held) s.destroy();
    await new Promise((r) => blackhole.close(r));
  });

  it('recovers every shard: 2 → 1 adopts shard 1, 1 → 3 delivers everything', async () => {
    await f.sink.start();
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
    const nowhere = `127.0.0.1:${(blackhole.address() as { port: number }).port}`;
    const env = (workers: number, smarthost: string) => ({ MTAKIT_WORKERS: String(workers), MTAKIT_DATA_DIR: f.dir, MTAKIT_SMARTHOST: smarthost, MTAKIT_SCORER: 'off' });
    const acked: string[] = [];
    const stopAll = async (pids: Map<number, number>) => {
      await f.mta?.kill('SIGKILL');
      await processesGone(pids.values());
    };

    // 2 workers; inject until both shards hold mail.
    let mta = (f.mta = await startMtaProcess(env(2, nowhere)));
    let pids = await workersReady(mta, 2);
    for (let batch = 0; batch < 20 && (spoolBytes(f.dir, 0) === 0 || spoolBytes(f.dir, 1) === 0); batch++) {
      const recipients = Array.from({ length: 40 }, (_, i) => `a${batch}-${i}@dest.test`);
      acked.push(...(await injectMessages(mta.smtpPort, recipients, { connections: 8 })).acked);
    }
    expect(spoolBytes(f.dir, 1)).toBeGreaterThan(0);
    expect(spoolBytes(f.dir, 0)).toBeGreaterThan(0);
    await stopAll(pids);

    // 1 worker: it takes shard 1's messages into its own spool before recovery.
    mta = f.mta = await startMtaProcess(env(1, nowhere));
    const adopted = await outputMatch(mta, /spool: adopted (\d+) messages from \S+shard-1\/spool/);
    expect(Number(adopted[1])).toBeGreaterThan(0);
    acked.push(...(await injectMessages(mta.smtpPort, Array.from({ length: 60 }, (_, i) => `b${i}@dest.test`), { connections: 4 })).acked);
    await f.mta.kill('SIGKILL');

    // 3 workers, the real peer: every message acknowledged in any round is delivered.
    mta = f.mta = await startMtaProcess(env(3, f.sink.address));
    pids = await workersReady(mta, 3);
    const missing = () => acked.filter((r) => !f.sink.byRecipient.has(r));
    await f.sink.waitFor(() => missing().length === 0, 90_000).catch(() => undefined);
    const duplicates = acked.reduce((n, r) => n + Math.max(0, (f.sink.byRecipient.get(r) ?? 0) - 1), 0);
    console.info(`workers reshard 2→1→3: ${acked.length} acknowledged (${adopted[1]} adopted from shard 1), ${duplicates} duplicates, ${missing().length} lost`);
    expect(missing()).toEqual([]);
    expect(duplicates).toBe(0);
  }, 240_000);
});

describe('workers: node-wide admin actions, lists and metrics', () => {
  const f = mtaFixture('mtakit-workers-admin-');

  it('a suspension taken through any worker holds mail in every shard, survives a restart with another count, and one DELETE lifts it', async () => {
    await f.sink.start();
    const env = (workers: number) => ({ MTAKIT_WORKERS: String(workers), MTAKIT_DATA_DIR: f.dir, MTAKIT_SMARTHOST: f.sink.address, MTAKIT_SCORER: 'off' });
    let mta = (f.mta = await startMtaProcess(env(2)));
    let pids = await workersReady(mta, 2);
    const created = await adminCall(mta.httpPort, 'POST', '/api/admin/suspend/v1', { domain: 'dest.test', reason: 'maintenance', duration: '1h' });
    expect(created.status).toBe(200);
    const id = created.body.id as string;

    const acked: string[] = [];
    for (let batch = 0; batch < 20 && (spoolBytes(f.dir, 0) === 0 || spoolBytes(f.dir, 1) === 0); batch++) {
      acked.push(...(await injectMessages(mta.smtpPort, Array.from({ length: 20 }, (_, i) => `s${batch}-${i}@dest.test`), { connections: 6 })).acked);
    }
    expect(spoolBytes(f.dir, 1)).toBeGreaterThan(0);
    expect(spoolBytes(f.dir, 0)).toBeGreaterThan(0);
    // Whichever worker answers: the one entry, and the whole node's counts.
    for (let i = 0; i < 4; i++) {
      const listed = await adminCall(mta.httpPort, 'GET', '/api/admin/suspend/v1');
      expect(listed.body.map((e: { id: string }) => e.id)).toEqual([id]);
      const summary = await adminCall(mta.httpPort, 'GET', '/api/admin/queue-summary/v1');
      const queued = [...summary.body.scheduled, ...summary.body.ready].reduce((n: number, q: { count: number }) => n + q.count, 0);
      expect(queued).toBe(acked.length);
    }
    const metrics = (await adminCall(mta.httpPort, 'GET', '/metrics')).body as string;
    const received = [...metrics.matchAll(/^total_messages_received\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    expect(received).toBe(acked.length);
    expect(f.sink.received).toBe(0);

    // Restarted with three workers: the suspension is back in every shard, still holding.
    await f.mta.kill('SIGKILL');
    await processesGone(pids.values());
    mta = f.mta = await startMtaProcess(env(3));
    pids = await workersReady(mta, 3);
    for (let i = 0; i < 3; i++) expect((await adminCall(mta.httpPort, 'GET', '/api/admin/suspend/v1')).body.map((e: { id: string }) => e.id)).toEqual([id]);
    const after = (await injectMessages(mta.smtpPort, Array.from({ length: 30 }, (_, i) => `t${i}@dest.test`), { connections: 6 })).acked;
    // Everything acknowledged before and after the restart is in the node's queues, held.
    const queued = async () => {
      const summary = await adminCall(mta.httpPort, 'GET', '/api/admin/queue-summary/v1');
      return [...summary.body.scheduled, ...summary.body.ready].reduce((n: number, q: { count: number }) => n + q.count, 0);
    };
    for (const deadline = Date.now() + 60_000; (await queued()) < acked.length + after.length && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 200));
    expect(await queued()).toBe(acked.length + after.length);
    expect(f.sink.received).toBe(0);

    expect((await adminCall(mta.httpPort, 'DELETE', '/api/admin/suspend/v1', { id })).status).toBe(200);
    expect((await adminCall(mta.httpPort, 'GET', '/api/admin/suspend/v1')).body).toEqual([]);
    // Lifted everywhere: what waited for it in this run goes at once. (Mail that came due under the
    // suspension before the restart waits for the suspension's original end: the spool keeps that
    // due time, not the suspension it came from.)
    const missing = () => after.filter((r) => !f.sink.byRecipient.has(r));
    await f.sink.waitFor(() => missing().length === 0, 90_000).catch(() => undefined);
    expect(missing()).toEqual([]);
  }, 240_000);
});

describe('workers: shaping limits are the node\'s', () => {
  const f = mtaFixture('mtakit-workers-shaping-', { dataDelayMs: 150 });

  it('a connection limit of 1 holds across workers: the primary keeps the leases', async () => {
    await f.sink.start();
    const rules = join(f.dir, 'shaping.toml');
    writeFileSync(rules, '["default"]\nconnection_limit = 1\n');
    const mta = (f.mta = await startMtaProcess({ MTAKIT_WORKERS: '2', MTAKIT_DATA_DIR: join(f.dir, 'data'), MTAKIT_SMARTHOST: f.sink.address, MTAKIT_SCORER: 'off', MTAKIT_SHAPING_FILES: rules }));
    await workersReady(mta, 2);
    const acked: string[] = [];
    for (let batch = 0; batch < 20 && (spoolBytes(join(f.dir, 'data'), 0) === 0 || spoolBytes(join(f.dir, 'data'), 1) === 0); batch++) {
      acked.push(...(await injectMessages(mta.smtpPort, Array.from({ length: 20 }, (_, i) => `c${batch}-${i}@dest.test`), { connections: 6 })).acked);
    }
    expect(spoolBytes(join(f.dir, 'data'), 1)).toBeGreaterThan(0);
    expect(spoolBytes(join(f.dir, 'data'), 0)).toBeGreaterThan(0);
    const missing = () => acked.filter((r) => !f.sink.byRecipient.has(r));
    // Both shards deliver (each holds mail), one connection at a time for the whole node. How long
    // a worker waits for the lease the other holds is the queue's lease retry, not measured here.
    const t0 = Date.now();
    await f.sink.waitFor(() => missing().length === 0, 60_000).catch(() => undefined);
    console.info(`workers shaping: ${acked.length} acknowledged, ${acked.length - missing().length} delivered in ${Date.now() - t0} ms, peak ${f.sink.peakConnections} connection(s)`);
    expect(f.sink.received).toBeGreaterThan(0);
    expect(f.sink.peakConnections).toBe(1);
  }, 240_000);
});

describe('workers: learned suppressions are the node\'s', () => {
  const f = mtaFixture('mtakit-workers-suppression-');

  it('a bounce learned by one worker suppresses in every worker, and after a restart with one', async () => {
    await f.sink.start();
    const env = (workers: number) => ({ MTAKIT_WORKERS: String(workers), MTAKIT_DATA_DIR: f.dir, MTAKIT_SMARTHOST: f.sink.address, MTAKIT_SCORER: 'off' });
    let mta = (f.mta = await startMtaProcess(env(2)));
    const pids = await workersReady(mta, 2);
    // The sink answers 550 5.1.1 to permfail@…: each worker learns the bounces of the mail it took.
    const bounced: string[] = [];
    for (let batch = 0; batch < 20 && (spoolBytes(f.dir, 0) === 0 || spoolBytes(f.dir, 1) === 0); batch++) {
      bounced.push(...(await injectMessages(mta.smtpPort, Array.from({ length: 8 }, (_, i) => `permfail@d${batch}-${i}.test`), { connections: 4 })).acked);
    }
    expect(spoolBytes(f.dir, 1)).toBeGreaterThan(0);
    expect(spoolBytes(f.dir, 0)).toBeGreaterThan(0);
    const listed = async () => ((await adminCall(mta.httpPort, 'GET', '/api/admin/suppression/v1/list?limit=1000')).body.entries as Array<{ recipient: string }>).map((e) => e.recipient).sort();
    for (const deadline = Date.now() + 60_000; (await listed()).length < bounced.length && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 200));
    // Whichever worker answers, the whole node's list; whichever worker takes the RCPT, refused.
    for (let i = 0; i < 4; i++) expect(await listed()).toEqual([...bounced].sort());
    // The log API too answers for the node: both workers' Bounce records, whichever answers.
    for (let i = 0; i < 4; i++) {
      const ndjson = (await adminCall(mta.httpPort, 'GET', '/api/logs/v1?type=Bounce')).body as string;
      expect(ndjson.trim().split('\n').map((l) => (JSON.parse(l) as { recipient: string }).recipient).sort()).toEqual([...bounced].sort());
    }
    const again = await injectMessages(mta.smtpPort, bounced, { connections: 8 });
    expect(again.acked).toEqual([]);
    expect(again.failed.every((r) => /550.*suppression list/.test(r.error))).toBe(true);

    // One process afterwards: the node's list is the one it opens.
    await f.mta.kill('SIGTERM');
    await processesGone(pids.values());
    mta = f.mta = await startMtaProcess(env(1));
    expect((await injectMessages(mta.smtpPort, bounced, { connections: 4 })).acked).toEqual([]);
  }, 240_000);
});
