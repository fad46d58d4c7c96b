import { findBinary, startServerProcess } from './server-process.js';

/** A throwaway redis-server for tests and benchmarks. */
export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** The redis-server binary, from PATH or Debian's location; undefined when not installed. */
export function findRedisServer(): string | undefined {
  return findBinary('redis-server');
}

/** Starts redis-server on a free loopback port, without persistence, in a temporary directory. */
export async function startRedis(binary = findRedisServer()): Promise<TestRedis> {
  if (!binary) throw new Error('redis-server not found');
  const server = await startServerProcess({
    binary,
    args: (port, dir) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
  });
  return { url: `redis://127.0.0.1:${server.port}`, port: server.port, stop: () => server.stop() };
}
