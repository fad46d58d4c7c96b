import { findBinary, startServerProcess } from './server-process.js';

/** A throwaway redis-server for tests and benchmarks. */
export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Kills the server at once (SIGKILL), as a crash would; `startRedis(binary, { port })` brings one back. */
  kill(): Promise<void>;
}

/** The redis-server binary, from PATH or Debian's location; undefined when not installed. */
export function findRedisServer(): string | undefined {
  return findBinary('redis-server');
}

/** Starts redis-server on a free loopback port (or `port`), without persistence, in a temporary directory. */
export async function startRedis(binary = findRedisServer(), options: { port?: number } = {}): Promise<TestRedis> {
  if (!binary) throw new Error('redis-server not found');
  const server = await startServerProcess({
    binary,
    args: (port, dir) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    ...(options.port === undefined ? {} : { port: options.port }),
  });
  const kill = async () => {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      const exited = new Promise((resolve) => server.child.once('exit', resolve));
      server.child.kill('SIGKILL');
      await exited;
    }
    await server.stop();
  };
  return { url: `redis://127.0.0.1:${server.port}`, port: server.port, stop: () => server.stop(), kill };
}
