// CPU per event of the events machinery alone (no MTA): N log records published through an
// EventHub to a webhook (a local HTTP receiver in a child process) and/or Redis Streams, or to a
// sink that drops them; reports this process's CPU microseconds per event until all are delivered.
//
//   npx tsx --conditions=@mtakit/source bench/events-hub.mjs [--events 30000] [--sinks webhook,redis,null] [--rate EVENTS_PER_S] [--dispatch main|worker]
//
// --dispatch worker runs the journal and the sinks in the hub's worker thread (the CPU reported is
// the process's, both threads); the null sink needs dispatch main (a sink object stays on its thread).
// --rate publishes at that pace (10 per turn) instead of as fast as the hub takes them: batches
// then fill as they do in an MTA (the e2e bench's 1,000 msgs/s are 3,000 events/s), which is what
// per-batch costs (requests, script calls, syncs every 50 ms) are spread over.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { recordJson } from '@mtakit/core';
import { EventHub, endpointsFromConfig } from '@mtakit/events';
import { testRecord } from '@mtakit/events/testing';
import { freePort, which } from './lib/processes.mjs';

const { values } = parseArgs({ options: { events: { type: 'string', default: '30000' }, sinks: { type: 'string', default: 'webhook,redis' }, rate: { type: 'string' }, dispatch: { type: 'string', default: 'main' } } });
const total = Number(values.events);
const kinds = values.sinks.split(',');
const children = [];
const endpoints = [];
const definitions = [];
for (const kind of kinds) {
  if (kind === 'null') endpoints.push({ name: 'null', sink: { target: 'null', send: async () => undefined } });
  if (kind === 'webhook') {
    const port = await freePort();
    const receiver = `require('node:http').createServer((q, s) => { q.resume().on('end', () => s.writeHead(200).end()); }).listen(${port}, '127.0.0.1')`;
    children.push(spawn(process.execPath, ['-e', receiver], { stdio: 'ignore' }));
    definitions.push({ name: 'hook', type: 'webhook', url: `http://127.0.0.1:${port}/`, format: 'array', concurrency: 2, secrets_env: ['BENCH_SECRET'] });
  }
  if (kind === 'redis') {
    const binary = which('redis-server');
    if (!binary) throw new Error('redis-server is not installed');
    const port = await freePort();
    children.push(spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' }));
    definitions.push({ name: 'stream', type: 'redis', url: `redis://127.0.0.1:${port}`, max_len: 100_000 });
  }
}
endpoints.push(...endpointsFromConfig({ endpoints: definitions }, { BENCH_SECRET: 'bench' }));
const delivered = () => hub.stats().reduce((n, s) => n + s.sent, 0);
await new Promise((r) => setTimeout(r, 500));
const dir = mkdtempSync(join(tmpdir(), 'mtakit-bench-hub-'));
const hub = new EventHub({ dir, endpoints, dispatch: values.dispatch, warn: (m) => console.error(m) });
await hub.start();
const records = Array.from({ length: total }, (_, i) => testRecord(i + 1, i % 2 ? 'Delivery' : 'Reception'));
// In the MTA the JSONL log writer has serialised each record before the hub sees it.
for (const r of records) recordJson(r);
// Each thread's CPU (µs, from /proc): the main thread (the event loop an MTA shares with the hub),
// the events worker (the busiest other thread) and the rest (V8's GC and compiler helpers, libuv's pool).
const threadCpu = () => new Map(readdirSync(`/proc/${process.pid}/task`).flatMap((tid) => {
  try {
    const f = readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
    return [[tid, (Number(f[11]) + Number(f[12])) * 10_000]];
  } catch {
    return []; // a thread that ended meanwhile
  }
}));
const threads0 = threadCpu();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
// In steps of 100 per turn of the event loop, as an MTA under load publishes them (many
// connections' records in one turn, each publisher awaiting its own).
const step = values.rate ? 10 : 100;
for (let i = 0; i < total; i += step) {
  await Promise.all(records.slice(i, i + step).map((r) => hub.publish(r)));
  if (values.rate) {
    const due = t0 + ((i + step) / Number(values.rate)) * 1000;
    if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
  }
}
const published = process.cpuUsage(cpu0);
while (delivered() < total * endpoints.length && endpoints.length > 0) await new Promise((r) => setTimeout(r, 5));
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const threads = [...threadCpu()].map(([tid, us]) => [tid, (us - (threads0.get(tid) ?? 0)) / total]);
const mainUs = threads.find(([tid]) => tid === String(process.pid))?.[1] ?? 0;
const others = threads.filter(([tid]) => tid !== String(process.pid)).map(([, us]) => us).sort((a, b) => b - a);
const otherUs = others.slice(1).reduce((a, b) => a + b, 0);
await hub.stop();
for (const c of children) c.kill('SIGKILL');
rmSync(dir, { recursive: true, force: true });
const us = (u) => (u.user + u.system) / total;
console.log(`events hub (dispatch ${values.dispatch}): ${total} events to ${kinds.join(' + ')} in ${(ms / 1000).toFixed(2)} s; CPU ${us(cpu).toFixed(1)} µs/event (main thread ${mainUs.toFixed(1)}, ${values.dispatch === 'worker' ? 'worker' : 'busiest other thread'} ${(others[0] ?? 0).toFixed(1)}, other threads ${otherUs.toFixed(1)}; publishing ${us(published).toFixed(1)}, user ${(cpu.user / total).toFixed(1)}, system ${(cpu.system / total).toFixed(1)})`);
