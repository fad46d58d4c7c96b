// Checkouts of mtakit against each other with the shared peer harness's measuring script
// (../shared/bench/peers/lib/bench.js: smtp-source in, smtp-sink out, CPU of the MTA from /proc),
// alternating checkout by checkout and run by run so that a busy machine weighs on each alike. Each
// run gets its own sink port, so it can share the box with a `bench:peers` run (which needs
// 127.0.0.1:2526 and the system Postfix); there is no Postfix here, so no ratio to it.
// Prints one JSON line per run (msgs/s, CPU ms/msg split into user and system) and the medians.
//
//   node bench/peers-ab.mjs --roots before=/tmp/mtakit-before,after=. [--styles new,reuse] [--n 20000] [--reps 2]
//                           [--workers 1,2 (MTAKIT_WORKERS values; a checkout with N > 1 is named NAME-wN)]
//                           [--results FILE (JSONL, appended)] [--cpu-prof DIR (every process: primary and workers)]
//                           [--env NAME:KEY=VALUE (repeatable; e.g. --env off:MTAKIT_SCORER=off with --roots on=.,off=. measures one setting)]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { med, printSummary, recordLine } from './lib/ab-lines.mjs';
import { freePort, repoRoot, startMta } from './lib/processes.mjs';

const measure = resolve(repoRoot, '../shared/bench/peers/lib/bench.js');
if (!existsSync(measure)) {
  console.log(`peers-ab skipped: the peer harness ${measure} is not there (it lives outside the repository, in ../shared).`);
  process.exit(0);
}
const { values } = parseArgs({
  options: {
    roots: { type: 'string', default: `mtakit=${repoRoot}` },
    styles: { type: 'string', default: 'new,reuse' },
    n: { type: 'string', default: '20000' },
    reps: { type: 'string', default: '2' },
    results: { type: 'string' },
    'cpu-prof': { type: 'string' },
    env: { type: 'string', multiple: true, default: [] },
    workers: { type: 'string', default: '1' },
  },
});
const roots = values.roots.split(',').map((spec) => spec.split('=')).flatMap(([name, root]) => values.workers.split(',').map((workers) => ({
  name: workers === '1' ? name : `${name}-w${workers}`, base: name, root: resolve(root ?? '.'), workers,
})));
const n = Number(values.n);
/** Extra environment of the MTA per checkout name. */
const extraEnv = (name) => Object.fromEntries(values.env.filter((e) => e.startsWith(`${name}:`)).map((e) => e.slice(name.length + 1).split(/=(.*)/s, 2)));

/** User and system CPU ticks (1/100 s) of a live process and its live descendants (a cluster's workers). */
function ticks(pid) {
  const stats = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map((d) => {
    try {
      const f = readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ');
      return { pid: Number(d), ppid: Number(f[1]), user: Number(f[11]), system: Number(f[12]) };
    } catch {
      return undefined;
    }
  }).filter((s) => s !== undefined);
  const tree = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const s of stats) {
      if (tree.has(s.pid) || !tree.has(s.ppid)) continue;
      tree.add(s.pid);
      grew = true;
    }
  }
  const mine = stats.filter((s) => tree.has(s.pid));
  return { user: mine.reduce((t, s) => t + s.user, 0), system: mine.reduce((t, s) => t + s.system, 0) };
}

const lines = [];
for (let rep = 0; rep < Number(values.reps); rep++) {
  for (const style of values.styles.split(',')) {
    for (const { name, base, root, workers } of roots) {
      const dataDir = mkdtempSync(join(tmpdir(), 'mtakit-ab-'));
      const port = await freePort();
      let sinkPort = await freePort();
      while (sinkPort === port) sinkPort = await freePort();
      const prof = values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${resolve(values['cpu-prof'], `${name}-${style}`)}`] : [];
      const mta = await startMta({
        MTAKIT_DATA_DIR: dataDir, MTAKIT_SMARTHOST: `127.0.0.1:${sinkPort}`, MTAKIT_FSYNC: 'true',
        MTAKIT_SMTP_LISTEN: `127.0.0.1:${port}`, MTAKIT_HTTP_LISTEN: '127.0.0.1:0', MTAKIT_WORKERS: workers, ...extraEnv(base),
      }, root, prof);
      const before = ticks(mta.child.pid);
      const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
      const run = spawnSync(process.execPath, [measure, '--target', `127.0.0.1:${port}`, '--sink', `127.0.0.1:${sinkPort}`, '--name', name,
        '--n', String(n), '--size', '4096', '--sessions', '20', ...(style === 'reuse' ? ['--reuse'] : []), '--timeout', '600', '--grace', '1'], { encoding: 'utf8' });
      const after = ticks(mta.child.pid);
      const exited = new Promise((r) => mta.child.once('exit', r));
      mta.child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
      let result;
      try {
        result = JSON.parse(run.stdout.trim().split('\n').pop());
      } catch {
        console.error(`${name} ${style}: the harness failed: ${run.stderr.trim()}`);
        continue;
      }
      const line = {
        name, style, n, rate: result.e2e_rate, cpuMs: +((result.cpu_s * 1000) / n).toFixed(3),
        userMs: +(((after.user - before.user) * 10) / n).toFixed(3), systemMs: +(((after.system - before.system) * 10) / n).toFixed(3),
        lost: result.lost, dup: result.dup, load: Number(load), ts: result.ts,
      };
      recordLine(line, lines, values.results);
    }
  }
}

printSummary(lines, {
  styles: values.styles.split(','), names: roots.map((r) => r.name),
  header: ['msgs/s (median)', 'CPU ms/msg (median)', 'user', 'system', 'lost', 'dup'],
  cells: (rs) => [med(rs, 'rate'), med(rs, 'cpuMs').toFixed(2), med(rs, 'userMs').toFixed(2), med(rs, 'systemMs').toFixed(2), rs.map((r) => r.lost).join('/'), rs.map((r) => r.dup).join('/')],
});
