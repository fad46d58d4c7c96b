// mtakit against Postfix with the shared peer harness (../shared/bench/peers/run.sh), in one run on
// the same machine: both injection styles (a new SMTP session per message, smtp-source's default; and
// 20 reused sessions, -d), durable queues, relayed to the harness's smtp-sink on 127.0.0.1:2526.
// Prints the median table of this run and the ratios mtakit / Postfix. Results go to --results
// (JSONL, one line per run, as the harness writes them).
//
//   npm run bench:peers -- [--n 20000] [--reps 1] [--styles new,reuse] [--results bench/results/peers-DATE.jsonl]
//                          [--workers 1,2,2:primary (MTAKIT_WORKERS values[:MTAKIT_WORKERS_BALANCE], each measured as "mtakit" (1) or "mtakit-wN[-balance]")] [--cpu-prof DIR] [--skip-postfix] [--before DIR (another checkout, measured too as "mtakit-before")] [--root DIR (the checkout measured as "mtakit"; default this one)]
import { existsSync, mkdirSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, repoRoot, startMta } from './lib/processes.mjs';

const harness = resolve(repoRoot, '../shared/bench/peers/run.sh');
if (!existsSync(harness)) {
  console.log(`bench:peers skipped: the peer harness ${harness} is not there (it lives outside the repository, in ../shared).`);
  process.exit(0);
}

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '20000' },
    reps: { type: 'string', default: '1' },
    styles: { type: 'string', default: 'new,reuse' },
    results: { type: 'string', default: join(repoRoot, 'bench/results', `peers-${new Date().toISOString().slice(0, 10)}.jsonl`) },
    'cpu-prof': { type: 'string' },
    'skip-postfix': { type: 'boolean', default: false },
    before: { type: 'string' },
    root: { type: 'string' },
    workers: { type: 'string', default: '1' },
  },
});
const results = resolve(values.results);
mkdirSync(join(results, '..'), { recursive: true });
const styles = values.styles.split(',');
const started = new Date().toISOString();
const ourRoot = values.root ? resolve(values.root) : repoRoot;
const mtas = [
  ...(values.before ? [{ name: 'mtakit-before', root: resolve(values.before), workers: '1' }] : []),
  // "2:primary": two workers, connections handed out by the primary (MTAKIT_WORKERS_BALANCE).
  ...values.workers.split(',').map((spec) => {
    const [w, balance] = spec.split(':');
    return { name: w === '1' ? 'mtakit' : `mtakit-w${w}${balance ? `-${balance}` : ''}`, root: ourRoot, workers: w, balance };
  }),
];
const common = ['--no-big', '--reps', values.reps, '--n', values.n, '--results', results];

/** The harness's sink port must be free (another bench on this shared box may hold it). */
async function waitForSinkPort() {
  for (let i = 0; i < 600; i++) {
    const busy = await new Promise((r) => {
      const s = createConnection({ port: 2526, host: '127.0.0.1' });
      s.once('connect', () => (s.destroy(), r(true)));
      s.once('error', () => r(false));
    });
    if (!busy) return;
    if (i === 0) console.log('waiting for 127.0.0.1:2526 (the harness sink port) to be free …');
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error('127.0.0.1:2526 stayed busy for 10 minutes');
}

function runHarness(args) {
  const r = spawnSync('bash', [harness, ...args, ...common], { stdio: 'inherit' });
  if (r.status !== 0) console.error(`run.sh ${args.join(' ')} exited with ${r.status}`);
}

for (const style of styles) {
  const reuse = style === 'reuse' ? ['--reuse'] : [];
  if (!values['skip-postfix']) {
    await waitForSinkPort();
    runHarness(['--peer', 'postfix', ...reuse]);
  }
  for (const { name, root, workers, balance } of mtas) {
    await waitForSinkPort();
    const dataDir = mkdtempSync(join(tmpdir(), 'mtakit-peers-'));
    const port = await freePort();
    const prof = values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${resolve(values['cpu-prof'], `${name}-${style}`)}`] : [];
    const mta = await startMta({
      MTAKIT_DATA_DIR: dataDir, MTAKIT_SMARTHOST: '127.0.0.1:2526', MTAKIT_FSYNC: 'true',
      MTAKIT_SMTP_LISTEN: `127.0.0.1:${port}`, MTAKIT_HTTP_LISTEN: '127.0.0.1:0', ...(workers === '1' ? {} : { MTAKIT_WORKERS: workers }), ...(balance ? { MTAKIT_WORKERS_BALANCE: balance } : {}),
    }, root, prof);
    try {
      runHarness(['--target', `127.0.0.1:${port}`, '--name', name, ...reuse]);
    } finally {
      const exited = new Promise((r) => (mta.child.exitCode === null ? mta.child.once('exit', r) : r()));
      mta.child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

// The runs of this invocation, medians per peer and style, and the ratios.
const runs = readFileSync(results, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.ts >= started);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const row = (name, reuse) => {
  const rs = runs.filter((r) => r.name === name && r.reuse === reuse);
  if (rs.length === 0) return undefined;
  return { rate: median(rs.map((r) => r.e2e_rate)), cpuMs: median(rs.map((r) => (r.cpu_s * 1000) / r.n)), lost: rs.map((r) => r.lost).join('/'), dup: rs.map((r) => r.dup).join('/'), runs: rs.length };
};
console.log(`\npeers: ${values.n} × 4 KB, 20 sessions, durable queues; medians of this run (${started}); the machine may be shared, compare ratios`);
console.log('| injection style | MTA | msgs/s | Postfix msgs/s | ratio to Postfix | CPU ms/msg | Postfix CPU ms/msg | lost | dup |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const style of styles) {
  const reuse = style === 'reuse';
  const postfix = row('postfix', reuse);
  const label = reuse ? '20 reused sessions (-d)' : 'new session per message';
  for (const { name } of mtas) {
    const ours = row(name, reuse);
    const ratio = ours && postfix ? `${(ours.rate / postfix.rate).toFixed(2)}×` : '–';
    console.log(`| ${label} | ${name} | ${ours?.rate ?? '–'} | ${postfix?.rate ?? '–'} | ${ratio} | ${ours?.cpuMs.toFixed(2) ?? '–'} | ${postfix?.cpuMs.toFixed(2) ?? '–'} | ${ours?.lost ?? '–'} | ${ours?.dup ?? '–'} |`);
  }
}
console.log(`\nresults: ${results}`);
