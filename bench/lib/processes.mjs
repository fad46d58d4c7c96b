// Helpers for benchmarks: free ports, smtp-sink/smtp-source, the example MTA as a process, and
// /proc readings of peak RSS and CPU time.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from './injector.mjs';

export const repoRoot = join(import.meta.dirname, '../..');

export function which(binary) {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin']) {
    const path = join(dir, binary);
    if (spawnSync('test', ['-x', path]).status === 0) return path;
  }
  return undefined;
}

/** Installs Postfix (for smtp-sink/smtp-source) when missing and we may; returns whether it is there. */
export function ensurePostfixTools() {
  if (which('smtp-sink') && which('smtp-source')) return true;
  console.error('installing postfix for smtp-sink/smtp-source …');
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const sh = (cmd) => spawnSync('sh', ['-c', `${sudo.join(' ')} ${cmd}`], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  sh('sh -c "echo postfix postfix/main_mailer_type select No configuration | debconf-set-selections"');
  sh('apt-get install -y -q --no-install-recommends postfix');
  return Boolean(which('smtp-sink') && which('smtp-source'));
}

export async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

/** smtp-sink that exits after `messages` messages; resolves `done` then. */
export function startSmtpSink(port, messages) {
  const args = ['-c', '-M', String(messages), '-m', '1000', `127.0.0.1:${port}`, '1000'];
  if (process.getuid?.() === 0) args.unshift('-u', 'nobody');
  const child = spawn(which('smtp-sink'), args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const done = new Promise((resolve) => child.once('exit', () => resolve(performance.now())));
  return { child, done };
}

/** smtp-source into `port`: `reuse` (default) keeps each session for many messages (-d), false opens one per message. */
export function runSmtpSource(port, { messages, sessions, size, reuse = true }) {
  const args = ['-s', String(sessions), '-l', String(size), '-m', String(messages), ...(reuse ? ['-d'] : []), '-N', '-f', 'bench@example.com', '-t', 'user@dest.test', `127.0.0.1:${port}`];
  return new Promise((resolve) => {
    const child = spawn(which('smtp-source'), args, { stdio: 'inherit' });
    child.once('exit', resolve);
  });
}

/** Starts the example MTA (of the checkout at `root`, this one by default); resolves once it listens. */
export async function startMta(env, root = repoRoot, nodeArgs = []) {
  const child = spawn(process.execPath, [...nodeArgs, join(root, 'examples/mta/bin/mtakit.mjs'), 'start'], {
    cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (d) => (output += d));
  child.stdout.on('data', (d) => (output += d));
  for (let i = 0; i < 600; i++) {
    const m = /listening: SMTP [^:]+:(\d+), HTTP [^:]+:(\d+)/.exec(output);
    // With MTAKIT_WORKERS > 1, every worker listens before the load starts.
    const allReady = !/cluster: starting \d+ workers/.test(output) || /cluster: all \d+ workers ready/.test(output);
    if (m && allReady) return { child, smtpPort: Number(m[1]), httpPort: Number(m[2]), output: () => output };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`the MTA did not start:\n${output}`);
}

/** Peak resident set (MiB) and CPU seconds of a live process (all threads, and its main thread), from /proc. */
export function processUsage(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(stat[11]) + Number(stat[12]);
  // The main thread alone (its task has the process's id): the event loop, which is what limits
  // a single-process MTA's throughput, while the total also counts GC helpers and the thread pool.
  const main = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { peakRssMiB: peakKb / 1024, cpuSeconds: ticks / 100, systemSeconds: Number(stat[12]) / 100, mainCpuSeconds: (Number(main[11]) + Number(main[12])) / 100 };
}

/**
 * One measured run through the example MTA: a fresh smtp-sink and a fresh MTA (own data dir,
 * smart host = the sink, `env` on top), `messages` injected, then wait until the sink has them all.
 * Returns delivered msgs/s (from the first injection to the last delivery), the injection's
 * latencies and refusals, the MTA's CPU seconds (all threads, and its main thread) and peak RSS
 * during the run, and its /metrics text.
 */
export async function runThroughMta({ messages, size, connections, fsync, env = {}, inject: injectOptions = {}, timeoutMs = 300_000, nodeArgs = [] }) {
  const sinkPort = await freePort();
  const sink = startSmtpSink(sinkPort, messages);
  const dataDir = mkdtempSync(join(tmpdir(), 'mtakit-bench-'));
  const mta = await startMta({
    MTAKIT_DATA_DIR: dataDir, MTAKIT_SMARTHOST: `127.0.0.1:${sinkPort}`, MTAKIT_FSYNC: String(fsync),
    MTAKIT_SMTP_LISTEN: '127.0.0.1:0', MTAKIT_HTTP_LISTEN: '127.0.0.1:0', ...env,
  }, repoRoot, nodeArgs);
  try {
    const before = processUsage(mta.child.pid);
    const t0 = performance.now();
    const result = await inject({ port: mta.smtpPort, messages, connections, size, ...injectOptions });
    const injectedMs = performance.now() - t0;
    let giveUp;
    const deliveredAt = await Promise.race([sink.done, new Promise((r) => (giveUp = setTimeout(() => r(undefined), timeoutMs)))]);
    clearTimeout(giveUp);
    const usage = processUsage(mta.child.pid);
    const metrics = await (await fetch(`http://127.0.0.1:${mta.httpPort}/metrics`)).text();
    if (deliveredAt === undefined) throw new Error(`not every message was delivered within ${timeoutMs / 1000} s:\n${mta.output().slice(-2000)}`);
    return {
      rate: messages / ((deliveredAt - t0) / 1000), injectedRate: messages / (injectedMs / 1000), latencies: result.latencies,
      refused: result.errors, cpuSeconds: usage.cpuSeconds - before.cpuSeconds, systemSeconds: usage.systemSeconds - before.systemSeconds,
      mainCpuSeconds: usage.mainCpuSeconds - before.mainCpuSeconds, peakRssMiB: usage.peakRssMiB, metrics,
    };
  } finally {
    // Stopped before the next run (and before anything it uses, like Redis, goes away).
    const exited = new Promise((r) => (mta.child.exitCode === null ? mta.child.once('exit', r) : r()));
    mta.child.kill('SIGTERM');
    sink.child.kill('SIGKILL');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}
