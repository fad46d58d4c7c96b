import { findBinary, startRedis, startServerProcess, type ServerProcess } from '@mtakit/core/testing';

/** Throwaway brokers for the sink tests; each returns undefined when its server is not installed. */
export const brokers = {
  redis: (): Promise<{ port: number; stop(): Promise<void> }> | undefined => {
    const binary = findBinary('redis-server');
    return binary ? startRedis(binary) : undefined;
  },
  nats: (): Promise<ServerProcess> | undefined => {
    const binary = findBinary('nats-server');
    return binary ? startServerProcess({ binary, args: (port, dir) => ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir] }) : undefined;
  },
  rabbitmq: (): Promise<ServerProcess> | undefined => {
    // Debian's /usr/sbin wrapper switches to the rabbitmq user; the real script runs as we are,
    // with every path (and the Erlang cookie, under HOME) in the temporary directory.
    const binary = findBinary('rabbitmq-server', ['/usr/lib/rabbitmq/bin']);
    if (!binary) return undefined;
    return startServerProcess({
      binary,
      args: () => [],
      startTimeoutMs: 60_000,
      env: (port, dir) => ({
        HOME: dir,
        RABBITMQ_NODE_PORT: String(port),
        RABBITMQ_DIST_PORT: String(port + 20_000 > 65_000 ? port - 20_000 : port + 20_000),
        RABBITMQ_NODENAME: `mtakit${port}@localhost`,
        RABBITMQ_MNESIA_BASE: `${dir}/mnesia`,
        RABBITMQ_FEATURE_FLAGS_FILE: `${dir}/feature_flags`,
        RABBITMQ_LOG_BASE: `${dir}/log`,
        RABBITMQ_ENABLED_PLUGINS_FILE: `${dir}/enabled_plugins`,
        RABBITMQ_PID_FILE: `${dir}/pid`,
      }),
    });
  },
};
