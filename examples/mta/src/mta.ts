import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { readInboundReport } from '@mtakit/bounce';
import { composePolicies, LogBus, type Policy } from '@mtakit/core';
import { MxResolver } from '@mtakit/core/dns';
import { HttpListener, httpReply, registerInjectRoute } from '@mtakit/core/http';
import { JsonlLogWriter } from '@mtakit/core/log';
import { MtaMetrics } from '@mtakit/core/metrics';
import { loadOrCreateCertificate, SmtpIngress } from '@mtakit/core/smtp';
import { DiskSpool, QueueManager, registerQueueAdminRoutes } from '@mtakit/queue';
import type { MtaConfig } from './config.js';
import type { Feature, MtaContext } from './features/feature.js';
import { bouncesFeature } from './features/bounces.js';
import { luaPolicyFeature } from './features/lua-policy.js';
import { scorerFeature } from './features/scorer.js';
import { shapingFeature } from './features/shaping.js';
import { consoleLogger, type Logger } from './logger.js';
import { tenantHeaders } from './tenant-headers.js';

export { consoleLogger, type Logger } from './logger.js';

export interface StartOptions {
  /** The application's policy; runs before the features' and the example's defaults. */
  policy?: Policy;
  /** Where progress and problems go. Default: stderr, one line each. */
  logger?: Logger;
  /** DNS resolution (tests pass a TestResolver-backed one). */
  resolver?: MxResolver;
}

export interface RunningMta {
  smtp: AddressInfo;
  http: AddressInfo;
  queue: QueueManager;
  metrics: MtaMetrics;
  /** Resolves when the spool has been fully re-queued. */
  recovered: Promise<{ recovered: number; ms: number }>;
  /** Graceful stop: no new connections, in-flight deliveries finish, logs flushed, spool closed. */
  stop(): Promise<void>;
}

/** The features of the example MTA, in the order their policies are layered. */
const FEATURES = [luaPolicyFeature, shapingFeature, bouncesFeature, scorerFeature];

/** Assembles the example MTA from the mtakit packages and starts it. */
export async function startMta(config: MtaConfig, options: StartOptions = {}): Promise<RunningMta> {
  const logger = options.logger ?? consoleLogger;
  await mkdir(config.dataDir, { recursive: true });
  const metrics = new MtaMetrics();
  const log = new LogBus();
  const writer = new JsonlLogWriter({ dir: config.logDir });
  log.subscribe((record) => writer.write(record));
  // What has been opened so far, closed in reverse if the start fails half way.
  const opened: Array<() => Promise<void> | void> = [() => writer.close()];
  try {
    const ctx: MtaContext = { config, logger, log, metrics, resolver: options.resolver ?? new MxResolver(), nodeId: await loadNodeId(config.dataDir) };
    const features: Feature[] = [];
    for (const make of FEATURES) {
      const feature = await make(ctx);
      features.push(feature);
      opened.push(() => feature.stop?.());
    }

    const spool = await DiskSpool.open({
      dir: join(config.dataDir, 'spool'),
      fsync: config.fsync,
      log: logger,
      onBatch: (_n, _bytes, ms) => metrics.spoolSyncLatency.observe(ms / 1000),
    });
    opened.push(() => spool.close());
    const policy = withSmarthost(composePolicies(options.policy ?? {}, ...features.flatMap((f) => (f.policy ? [f.policy] : [])), tenantHeaders), config.smarthost);
    const queue = new QueueManager({
      spool, log, policy, resolver: ctx.resolver, hostname: config.hostname, nodeId: ctx.nodeId, metrics, logger,
      ...combineQueueOptions(features),
    });
    const recovered = queue.recover();
    recovered.catch((error: Error) => logger('error', `spool recovery failed: ${error.message}`));

    const tls = await loadOrCreateCertificate({ certFile: config.tlsCertificate, keyFile: config.tlsPrivateKey, dataDir: config.dataDir, hostname: config.hostname });
    const preSend = features.find((f) => f.preSend)?.preSend;
    const ingress = new SmtpIngress({
      host: config.smtp.host, port: config.smtp.port, hostname: config.hostname, tls, policy, log, metrics, nodeId: ctx.nodeId,
      credentials: config.credentials, relayNetworks: config.relayNetworks, maxMessageSize: config.maxMessageSize,
      maxRecipients: config.maxRecipients, maxConnections: config.maxConnections, maxConnectionsPerIp: config.maxConnectionsPerIp,
      ...(preSend ? { preSend } : {}),
      reportReader: readInboundReport,
      accept: (messages) => queue.enqueue(messages),
    });
    const http = new HttpListener({
      host: config.http.host, port: config.http.port, trustedHosts: config.trustedHosts,
      validateBasic: (user, password) => checkSecret(config.adminUsers.get(user), password),
    });
    http.route('GET', '/api/check-liveness/v1', () => ({ ok: true }), { public: true });
    http.route('GET', '/metrics', async () => httpReply({ text: { contentType: metrics.registry.contentType, content: await metrics.registry.metrics() } }));
    registerQueueAdminRoutes(http, queue);
    registerInjectRoute(http, { accept: (messages) => queue.enqueue(messages), policy, metrics, ...(preSend ? { preSend } : {}) });
    http.route('POST', '/api/admin/bump-config-epoch', async () => {
      for (const f of features) await f.reload?.();
      queue.bumpConfigEpoch();
      return { ok: true };
    });
    for (const f of features) await f.start?.({ queue, http });

    opened.push(() => queue.shutdown());
    const smtp = await ingress.listen();
    opened.push(() => ingress.close());
    const httpAddress = await http.listen();
    logger('info', `mtakit listening: SMTP ${smtp.address}:${smtp.port}, HTTP ${httpAddress.address}:${httpAddress.port}; data in ${config.dataDir}; ${config.smarthost ? `relaying everything to ${config.smarthost}` : 'delivering to MX'}`);
    let stopping: Promise<void> | undefined;
    const stop = () => (stopping ??= (async () => {
      logger('info', 'stopping: no new connections; finishing deliveries in flight');
      await Promise.all([ingress.close(), http.close()]);
      await queue.shutdown();
      for (const f of features) await f.stop?.();
      await writer.close();
      await spool.close();
      logger('info', 'stopped');
    })());
    return { smtp, http: httpAddress, queue, metrics, recovered, stop };
  } catch (error) {
    for (const close of opened.reverse()) await Promise.resolve(close()).catch(() => undefined);
    throw error;
  }
}

/**
 * Merges the features' queue options: `beforeDelivery` checks run in feature order (the first
 * refusal wins), `perMessageQueueConfig` if any feature needs it; `shaper` and `classify` may come
 * from one feature only.
 */
function combineQueueOptions(features: Feature[]): NonNullable<Feature['queueOptions']> {
  const out: NonNullable<Feature['queueOptions']> = {};
  const checks = features.flatMap((f) => (f.queueOptions?.beforeDelivery ? [f.queueOptions.beforeDelivery] : []));
  if (checks.length > 0) {
    out.beforeDelivery = async (message) => {
      for (const check of checks) {
        const refusal = await check(message);
        if (refusal) return refusal;
      }
      return undefined;
    };
  }
  if (features.some((f) => f.queueOptions?.perMessageQueueConfig)) out.perMessageQueueConfig = true;
  for (const key of ['shaper', 'classify'] as const) {
    const givers = features.filter((f) => f.queueOptions?.[key] !== undefined);
    if (givers.length > 1) throw new Error(`features ${givers.map((f) => f.name).join(' and ')} both provide the queue's ${key}`);
    const value = givers[0]?.queueOptions?.[key];
    if (value !== undefined) Object.assign(out, { [key]: value });
  }
  return out;
}

/**
 * MTAKIT_SMARTHOST: every queue whose config names no protocol of its own is routed to the smart
 * host (the rest of its config — pool, retries — still comes from the policy).
 */
function withSmarthost(policy: Policy, smarthost: string | undefined): Policy {
  if (!smarthost) return policy;
  const inner = policy.get_queue_config;
  return {
    ...policy,
    get_queue_config: async (...args) => {
      const config = (await inner?.(...args)) ?? {};
      return config.protocol ? config : { ...config, protocol: { smtp: { mx_list: [smarthost] } } };
    },
  };
}

/** Compares a secret in constant time (length included). */
function checkSecret(expected: string | undefined, given: string): boolean {
  if (expected === undefined) return false;
  return timingSafeEqual(createHash('sha256').update(expected).digest(), createHash('sha256').update(given).digest());
}

/** A stable node id per data dir (KumoMTA's `nodeid` in log records). */
async function loadNodeId(dataDir: string): Promise<string> {
  const path = join(dataDir, 'nodeid');
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    const id = randomUUID();
    await writeFile(path, `${id}\n`);
    return id;
  }
}
