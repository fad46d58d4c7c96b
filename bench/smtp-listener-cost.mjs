// CPU of the SMTP listener alone per message, for A/B of checkouts: `bench/lib/listener-main.ts`
// (an SmtpIngress whose `accept` stores nothing) in its own process, smtp-source driving it, and
// the listener's main-thread and whole-process CPU read from /proc before and after. Without the
// spool, queue, egress and log writer of a peers run, the listener's part of a message is all
// that is measured, so a change of a few percent in it shows above the noise of a shared box.
// Checkouts alternate run by run; copy bench/lib/listener-main.ts into an older checkout first.
//
//   node bench/smtp-listener-cost.mjs [--roots before=/tmp/a,mine=.] [--styles new,reuse] [--n 10000] [--reps 3]
//                                     [--sessions 20] [--size 4096] [--results FILE (JSONL, appended)]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { med, printSummary, recordLine } from './lib/ab-lines.mjs';
import { ensurePostfixTools, repoRoot, runSmtpSource } from './lib/processes.mjs';

const { values } = parseArgs({
  options: {
    roots: { type: 'string', default: `mtakit=${repoRoot}` },
    styles: { type: 'string', default: 'new,reuse' },
    n: { type: 'string', default: '10000' },
    reps: { type: 'string', default: '3' },
    sessions: { type: 'string', default: '20' },
    size: { type: 'string', default: '4096' },
    results: { type: 'string' },
  },
});
if (!ensurePostfixTools()) {
  console.log('smtp-listener-cost skipped: smtp-source (Debian package postfix) is not installed');
  process.exit(0);
}
const roots = values.roots.split(',').map((spec) => spec.split('=')).map(([name, root]) => ({ name, root: resolve(root ?? '.') }));
const n = Number(values.n);

/** CPU ms of the process (all threads) and of its main thread (user, system), from /proc. */
function cpu(pid) {
  const ticks = (path) => readFileSync(path, 'utf8').split(') ')[1].split(' ').slice(11, 13).map((t) => Number(t) * 10);
  const [user, system] = ticks(`/proc/${pid}/task/${pid}/stat`);
  const [allUser, allSystem] = ticks(`/proc/${pid}/stat`);
  return { all: allUser + allSystem, main: user + system, user, system };
}

async function startListener(root) {
  const child = spawn(process.execPath, ['--conditions=@mtakit/source', '--import', 'tsx', join(root, 'bench/lib/listener-main.ts')], {
    cwd: root, stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  for (let i = 0; i < 600 && !/port \d+/.test(out); i++) {
    if (child.exitCode !== null) throw new Error(`the listener of ${root} exited: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const port = Number(/port (\d+)/.exec(out)?.[1]);
  if (!port) throw new Error(`the listener of ${root} did not start: ${out}`);
  return { child, port };
}

const lines = [];
for (let rep = 0; rep < Number(values.reps); rep++) {
  for (const style of values.styles.split(',')) {
    for (const { name, root } of roots) {
      const { child, port } = await startListener(root);
      // A short warm-up, so that both sides are measured with optimised code.
      await runSmtpSource(port, { messages: 1000, sessions: Number(values.sessions), size: Number(values.size), reuse: style === 'reuse' });
      const before = cpu(child.pid);
      const load = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
      const start = performance.now();
      await runSmtpSource(port, { messages: n, sessions: Number(values.sessions), size: Number(values.size), reuse: style === 'reuse' });
      const seconds = (performance.now() - start) / 1000;
      const after = cpu(child.pid);
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      const line = {
        bench: 'smtp-listener-cost', name, style, n, rate: Math.round(n / seconds),
        mainUs: Math.round(((after.main - before.main) * 1000) / n), userUs: Math.round(((after.user - before.user) * 1000) / n),
        systemUs: Math.round(((after.system - before.system) * 1000) / n), allUs: Math.round(((after.all - before.all) * 1000) / n),
        load, ts: new Date().toISOString(),
      };
      recordLine(line, lines, values.results);
    }
  }
}

printSummary(lines, {
  styles: values.styles.split(','), names: roots.map((r) => r.name), sessions: values.sessions,
  header: ['msgs/s (median)', 'main thread CPU µs/msg (median)', 'user', 'system', 'process CPU µs/msg (median)'],
  cells: (rs) => ['rate', 'mainUs', 'userUs', 'systemUs', 'allUs'].map((field) => med(rs, field)),
});
