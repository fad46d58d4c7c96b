import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmtpSink } from '@mtakit/core/testing';
import { afterAll } from 'vitest';

export const repoRoot = join(import.meta.dirname, '../../../..');
const bin = join(repoRoot, 'examples/mta/bin/mtakit.mjs');

export interface MtaProcess {
  child: ChildProcess;
  smtpPort: number;
  httpPort: number;
  /** Everything the process wrote to stderr so far. */
  output(): string;
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

/**
 * Starts the example MTA as a real process (`mtakit start`, or `command`, e.g. `npm start`) on
 * free ports, with the given environment, and waits until it listens.
 */
export async function startMtaProcess(env: Record<string, string>, timeoutMs = 30_000, command: string[] = [process.execPath, bin, 'start']): Promise<MtaProcess> {
  const [file, ...args] = command as [string, ...string[]];
  const child = spawn(file, args, {
    cwd: repoRoot,
    env: { ...process.env, MTAKIT_SMTP_LISTEN: '127.0.0.1:0', MTAKIT_HTTP_LISTEN: '127.0.0.1:0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = /listening: SMTP [^:]+:(\d+), HTTP [^:]+:(\d+)/.exec(output);
    if (m) {
      return {
        child, smtpPort: Number(m[1]), httpPort: Number(m[2]), output: () => output, exited,
        kill: (signal = 'SIGTERM') => {
          child.kill(signal);
          return exited;
        },
      };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`MTA did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * What a test of the example MTA as a process needs: a temporary directory, a sink behind the
 * MTA, and the process once started (`fixture.mta`), all torn down after the file.
 */
export interface MtaFixture {
  dir: string;
  sink: SmtpSink;
  mta: MtaProcess | undefined;
}

export function mtaFixture(prefix: string, sinkOptions: ConstructorParameters<typeof SmtpSink>[0] = {}, teardown?: () => Promise<void>): MtaFixture {
  const fixture: MtaFixture = { dir: mkdtempSync(join(tmpdir(), prefix)), sink: new SmtpSink(sinkOptions), mta: undefined };
  afterAll(async () => {
    await fixture.mta?.kill('SIGKILL');
    await fixture.sink.stop();
    await teardown?.();
    rmSync(fixture.dir, { recursive: true, force: true });
  });
  return fixture;
}
