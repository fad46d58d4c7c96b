import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * Outside servers for tests (redis-server, nats-server, rabbitmq-server …): found on PATH or in
 * Debian's sbin directories, started on a free loopback port in a temporary directory, stopped
 * with SIGTERM. Tests call `findBinary` first and skip with a message when it returns undefined.
 */
export interface ServerProcess {
  port: number;
  dir: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function findBinary(name: string, extraDirs: readonly string[] = []): string | undefined {
  const dirs = [...extraDirs, ...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin'];
  return dirs.filter(Boolean).map((d) => join(d, name)).find((p) => existsSync(p));
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface ServerProcessOptions {
  binary: string;
  /** Arguments, given the chosen port and the temporary directory. */
  args: (port: number, dir: string) => string[];
  env?: (port: number, dir: string) => NodeJS.ProcessEnv;
  /** How long to wait for the port to accept connections (ms, default 30 s). */
  startTimeoutMs?: number;
  /** The port (e.g. to bring a killed server back where its clients reconnect). Default: a free one. */
  port?: number;
}

export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'mtakit-server-'));
  const child = spawn(options.binary, options.args(port, dir), {
    stdio: 'ignore', cwd: dir, env: { ...process.env, ...options.env?.(port, dir) },
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const slow = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(slow);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, child, options.startTimeoutMs ?? 30_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, dir, child, stop };
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${child.spawnfile} exited with code ${child.exitCode}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${child.spawnfile} did not listen on port ${port} within ${timeoutMs} ms`);
}
