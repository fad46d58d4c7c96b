import { createRequire } from 'node:module';
import { join } from 'node:path';
import { consoleLogger, tenantHeaders, type Logger, type Policy } from '@mtakit/core';
import { MxResolver } from '@mtakit/core/dns';
import { basicUsers } from '@mtakit/core/http';
import { createMta, policyPlugin, type ClusterWorker, type Mta, type NodePeers } from '@mtakit/core/mta';
import { queuePlugin } from '@mtakit/queue';
import type { MtaConfig } from './config.js';
import { bouncesFromEnvironment } from './features/bounces.js';
import { eventsFromEnvironment, logsFromEnvironment } from './features/events.js';
import { policyFromConfig } from './features/lua-policy.js';
import { scorerFromEnvironment } from './features/scorer.js';
import { shapingFromEnvironment } from './features/shaping.js';
import { adoptedShards, existingShards, nodeLogDirs, shardConfig, shardDataDir } from './shards.js';

export { consoleLogger, type Logger } from '@mtakit/core';

export interface StartOptions {
  /** The application's policy; runs before the plugins' and the example's defaults. */
  policy?: Policy;
  /** Where progress and problems go. Default: stderr, one line each. */
  logger?: Logger;
  /** DNS resolution (tests pass a TestResolver-backed one). */
  resolver?: MxResolver;
  /** The environment the feature switches are read from (MTAKIT_SHAPING, MTAKIT_SCORER…). Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Which of MTAKIT_WORKERS' processes this is (see shards.ts). Default: the only one. */
  worker?: ClusterWorker;
  /** The node's other workers: the admin API and metrics answer for all of them. */
  peers?: NodePeers;
}

/** The example's version (`machine-info`), from its package.json (one level above src/ and dist/). */
const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

export type RunningMta = Mta & { smtp: NonNullable<Mta['smtp']>; http: NonNullable<Mta['http']> };

/**
 * Assembles the example MTA from the mtakit packages' plugins and starts it. Policies are layered
 * in this order: the application's, MTAKIT_POLICY's, shaping's, bounces', then the X-Tenant /
 * X-Campaign headers as the default tenant and campaign.
 */
export async function startMta(nodeConfig: MtaConfig, options: StartOptions = {}): Promise<RunningMta> {
  const worker = options.worker ?? { index: 0, count: 1 };
  const config = shardConfig(nodeConfig, worker.index);
  // Shards of a run with more workers than this one: their messages move into this worker's spool.
  const adopt = adoptedShards(worker, await existingShards(nodeConfig.dataDir)).map((j) => join(shardDataDir(nodeConfig.dataDir, j), 'spool'));
  const logger = options.logger ?? consoleLogger;
  const env = options.env ?? process.env;
  const resolver = options.resolver ?? new MxResolver();
  const shaping = shapingFromEnvironment(config, env, options.peers);
  const scorer = scorerFromEnvironment(env);
  if (shaping.length === 0) logger('info', 'shaping: off (MTAKIT_SHAPING=off): no rates, leases or automation');
  if (scorer.length === 0) logger('info', 'scorer: off (MTAKIT_SCORER=off)');
  logger('info', config.smarthost ? `relaying everything to ${config.smarthost}` : 'delivering to MX');
  const mta = await createMta({
    hostname: config.hostname,
    dataDir: config.dataDir,
    logDir: config.logDir,
    resolver,
    logger,
    version: VERSION,
    ...(options.peers ? { peers: options.peers } : {}),
    ...(options.policy ? { policy: options.policy } : {}),
    tls: { certFile: config.tlsCertificate, keyFile: config.tlsPrivateKey },
    smtp: {
      host: config.smtp.host, port: config.smtp.port, credentials: config.credentials, relayNetworks: config.relayNetworks,
      maxMessageSize: config.maxMessageSize, maxRecipients: config.maxRecipients,
      maxConnections: config.maxConnections, maxConnectionsPerIp: config.maxConnectionsPerIp, maxBytesInFlight: config.maxBytesInFlight,
      greetPauseMs: config.greetPauseMs, trustedNetworks: config.greetTrustedNetworks, listenBacklog: config.listenBacklog,
    },
    http: { host: config.http.host, port: config.http.port, trustedHosts: config.trustedHosts, validateBasic: basicUsers(config.adminUsers) },
    plugins: [
      queuePlugin({ fsync: config.fsync, deliveryCacheBytes: config.spoolDeliveryCache, smarthost: config.smarthost, adopt }),
      ...(await policyFromConfig(config, resolver, logger)),
      ...shaping,
      await bouncesFromEnvironment(config, env, options.peers),
      ...scorer,
      policyPlugin('tenant-headers', tenantHeaders),
      ...eventsFromEnvironment(env),
      // Any worker's log API answers for the node: its own directory and every other worker's.
      logsFromEnvironment(config.logDir, env, options.peers ? () => nodeLogDirs(nodeConfig.logDir) : undefined),
    ],
  });
  return mta as RunningMta;
}
