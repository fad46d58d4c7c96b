// `node bench/cli-startup.mjs [--runs N]`: how long `mtakit --help` takes built (dist/, after
// `npm run build`) and from sources through tsx, with `node -e 0` as the baseline of the same run.
// Wall and CPU (user + system, from /usr/bin/time) per run, median and best; the variants alternate
// so load on the machine hits each alike. Needs examples/mta/dist (run `npm run build` first).
import { spawnSync } from 'node:child_process';
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 10;
const root = join(import.meta.dirname, '..');
const bin = join(root, 'examples/mta/bin/mtakit.mjs');
const dist = join(root, 'examples/mta/dist');
if (!existsSync(join(dist, 'cli.js')) || !existsSync('/usr/bin/time')) {
  console.error('needs examples/mta/dist/cli.js (run `npm run build`) and /usr/bin/time (apt-get install time)');
  process.exit(1);
}

/** Wall and CPU ms of one run. */
function measure(args) {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', process.execPath, ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited with ${r.status}: ${r.stderr}`);
  const [wall, user, sys] = r.stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return { wall: wall * 1000, cpu: (user + sys) * 1000 };
}

const variants = {
  'node -e 0': () => measure(['-e', '0']),
  'mtakit --help, built': () => measure([bin, '--help']),
  'mtakit --help, sources': () => {
    // Without dist/ the bin runs the sources through tsx.
    renameSync(dist, `${dist}.bench`);
    try {
      return measure([bin, '--help']);
    } finally {
      renameSync(`${dist}.bench`, dist);
    }
  },
};
const results = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
for (let i = 0; i < runs; i++) for (const [name, run] of Object.entries(variants)) results[name].push(run());
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [name, rs] of Object.entries(results)) {
  const wall = rs.map((r) => r.wall);
  const cpu = rs.map((r) => r.cpu);
  console.log(`${name.padEnd(24)} wall median ${median(wall).toFixed(0).padStart(5)} ms (best ${Math.min(...wall).toFixed(0)}), CPU median ${median(cpu).toFixed(0).padStart(4)} ms (${runs} runs)`);
}
