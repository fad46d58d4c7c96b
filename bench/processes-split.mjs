// Does a second MTA process cost more CPU per message by itself, without runCluster? Runs K
// independent one-process MTAs at once (each its own spool, port and smtp-sink), each given 1/K of
// the messages and of the 20 smtp-source sessions by the shared harness's measuring script
// (../shared/bench/peers/lib/bench.js), and prints the CPU per message of all of them together.
// Compare `--processes 1` with `--processes 2`, and with `node bench/peers-ab.mjs --workers 1,2`:
// if two plain processes cost what two workers cost, the cluster (IPC, the primary) is not why.
//
//   node bench/processes-split.mjs [--processes 1,2] [--n 8000] [--styles new,reuse] [--reps 2] [--results FILE (JSONL, appended)]
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, repoRoot, startMta } from './lib/processes.mjs';

const measure = resolve(repoRoot, '../shared/bench/peers/lib/bench.js');
if (!existsSync(measure)) {
  console.log(`processes-split skipped: the peer harness ${measure} is not there (it lives outside the repository, in ../shared).`);
  process.exit(0);
}
const { values } = parseArgs({
  options: {
    processes: { type: 'string', default: '1,2' },
    n: { type: 'string', default: '8000' },
    styles: { type: 'string', default: 'new' },
    reps: { type: 'string', default: '2' },
    results: { type: 'string' },
  },
});

/** User + system CPU ticks (1/100 s) of a live process. */
function ticks(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
}

async function run(count, style) {
  const mtas = [];
  for (let i = 0; i < count; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'mtakit-split-'));
    const port = await freePort();
    let sinkPort = await freePort();
    while (sinkPort === port) sinkPort = await freePort();
    const mta = await startMta({
      MTAKIT_DATA_DIR: dataDir, MTAKIT_SMARTHOST: `127.0.0.1:${sinkPort}`, MTAKIT_FSYNC: 'true',
      MTAKIT_SMTP_LISTEN: `127.0.0.1:${port}`, MTAKIT_HTTP_LISTEN: '127.0.0.1:0', MTAKIT_WORKERS: '1',
    });
    mtas.push({ mta, dataDir, port, sinkPort });
  }
  const per = Math.floor(Number(values.n) / count);
  const load = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  const before = mtas.map((m) => ticks(m.mta.child.pid));
  const started = performance.now();
  const results = await Promise.all(mtas.map((m) => new Promise((done) => {
    const child = spawn(process.execPath, [measure, '--target', `127.0.0.1:${m.port}`, '--sink', `127.0.0.1:${m.sinkPort}`, '--name', `split${count}`,
      '--n', String(per), '--size', '4096', '--sessions', String(Math.max(1, Math.round(20 / count))), ...(style === 'reuse' ? ['--reuse'] : []), '--timeout', '600', '--grace', '1']);
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', () => done(JSON.parse(out.trim().split('\n').pop() ?? '{}')));
  })));
  const seconds = (performance.now() - started) / 1000;
  const cpuMs = mtas.reduce((t, m, i) => t + ticks(m.mta.child.pid) - (before[i] ?? 0), 0) * 10;
  for (const m of mtas) {
    const exited = new Promise((r) => m.mta.child.once('exit', r));
    m.mta.child.kill('SIGTERM');
    await exited;
    rmSync(m.dataDir, { recursive: true, force: true });
  }
  const n = per * count;
  return { processes: count, style, n, rate: Math.round(n / seconds), cpuMs: +(cpuMs / n).toFixed(3), lost: results.map((r) => r.lost), dup: results.map((r) => r.dup), load, ts: new Date().toISOString() };
}

for (let rep = 0; rep < Number(values.reps); rep++) {
  for (const style of values.styles.split(',')) {
    for (const count of values.processes.split(',').map(Number)) {
      const line = await run(count, style);
      console.log(JSON.stringify(line));
      if (values.results) appendFileSync(values.results, `${JSON.stringify(line)}\n`);
    }
  }
}
