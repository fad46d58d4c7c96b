// `node bench/bounce-speed.mjs [--runs N] [--copies K] [DIR]`: speed of the built `mtakit bounce parse`.
//
// 1. Cold single file: `node examples/mta/bin/mtakit.mjs bounce parse FILE`, N runs, wall and CPU
//    (user + system, from /usr/bin/time), next to `node -e 0` in the same run (the floor).
// 2. Many files in one process: `mtakit bounce parse DIR DIR … --jsonl` (DIR given K times, so the
//    run is long enough to measure), emails per second of wall and of CPU time.
//
// DIR defaults to ../shared/data/bounces-dev/messages (real bounces, outside the repo). Needs
// `npm run build` first (the bin runs the sources through tsx otherwise: much slower to start)
// and /usr/bin/time. The box is shared: CPU time is the figure that does not depend on the
// neighbours; the load average is printed with the results.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { join } from 'node:path';

const arg = (name, fallback) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback);
const runs = arg('--runs', 10);
const copies = arg('--copies', 8);
const root = join(import.meta.dirname, '..');
const dir = process.argv.slice(2).find((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'))
  ?? join(root, '../shared/data/bounces-dev/messages');
const bin = join(root, 'examples/mta/bin/mtakit.mjs');
if (!existsSync(join(root, 'examples/mta/dist/cli.js')) || !existsSync('/usr/bin/time')) {
  console.error('needs examples/mta/dist/cli.js (run `npm run build`) and /usr/bin/time (apt-get install time)');
  process.exit(1);
}
if (!existsSync(dir)) {
  console.log(`no bounces at ${dir}: nothing to measure`);
  process.exit(0);
}

/** Every file below `d`, sorted. */
function filesOf(d) {
  return readdirSync(d).sort().flatMap((n) => (statSync(join(d, n)).isDirectory() ? filesOf(join(d, n)) : [join(d, n)]));
}

/** Wall and CPU ms of one run, and its stdout. */
function measure(args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', process.execPath, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 30 });
  const [wall, user, sys] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return { wall: wall * 1000, cpu: (user + sys) * 1000, stdout: r.stdout, status: r.status };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const files = filesOf(dir);
const one = files.find((f) => f.endsWith('.eml') || f.endsWith('.msg')) ?? files[0];

const cold = { 'node -e 0': [], 'mtakit bounce parse FILE': [] };
for (let i = 0; i < runs; i++) {
  cold['node -e 0'].push(measure(['-e', '0']));
  const r = measure([bin, 'bounce', 'parse', one]);
  if (r.status !== 0) throw new Error(`mtakit bounce parse ${one} exited with ${r.status}`);
  cold['mtakit bounce parse FILE'].push(r);
}
console.log(`cold, one file (${one.slice(dir.length + 1)}), ${runs} runs: median (best)`);
for (const [name, rs] of Object.entries(cold)) {
  const w = rs.map((r) => r.wall);
  const c = rs.map((r) => r.cpu);
  console.log(`  ${name.padEnd(26)} wall ${median(w).toFixed(0)} ms (${Math.min(...w).toFixed(0)}), CPU ${median(c).toFixed(0)} ms (${Math.min(...c).toFixed(0)})`);
}

const many = measure([bin, 'bounce', 'parse', ...Array(copies).fill(dir), '--jsonl']);
const lines = many.stdout.split('\n').filter(Boolean);
const read = new Set(lines.map((l) => JSON.parse(l).file)).size * copies;
const n = files.length * copies;
console.log(`\none process, ${n} files (${files.length} × ${copies}; ${read} yielded a line, ${lines.length} lines):`);
console.log(`  ${Math.round(n / (many.wall / 1000))} emails/s wall, ${Math.round(n / (many.cpu / 1000))} emails/s of CPU time (wall ${many.wall.toFixed(0)} ms, CPU ${many.cpu.toFixed(0)} ms, including start-up)`);
console.log(`\nload average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores`);
