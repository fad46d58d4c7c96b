import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chainDeliveryGates } from '../contracts/delivery.js';
import { consoleLogger, type Logger } from '../contracts/logger.js';
import { parseCidr, type Cidr } from '../dns/cidr.js';
import { MxResolver } from '../dns/mx-resolver.js';
import { ConfigError, MtaKitError } from '../errors.js';
import { HttpListener, type DispatchedRequest, type HttpListenerOptions } from '../http/listener.js';
import { registerInjectRoute } from '../http/inject.js';
import { DiagnosticLogFilter } from '../http/log-filter.js';
import { registerNodeRoutes } from '../http/node-routes.js';
import { LogBus } from '../log/bus.js';
import { JsonlLogWriter } from '../log/jsonl-writer.js';
import { MtaMetrics } from '../metrics/index.js';
import { composePolicies } from '../policy/compose.js';
import type { Policy } from '../policy/events.js';
import { SmtpIngress, type SmtpIngressOptions } from '../smtp/ingress.js';
import { loadOrCreateCertificate } from '../tls/certificate.js';
import { outsideStores, registerHealthMetrics, registerHealthRoute } from './health.js';
import type { NodePeers } from './cluster-bus.js';
import { loadNodeId } from './node-id.js';
import { nodeWideAround } from './node-wide.js';
import { basicAuthValidator, sharedAuthLimiter, timedPolicy } from './wiring.js';
import { pluginOrder } from './order.js';
import type { MtaPlugin, PluginContext, PluginProvides, QueueEngine } from './plugin.js';

/** SMTP listener settings (the ingress takes the rest from createMta). */
export type MtaSmtpOptions = Omit<SmtpIngressOptions, 'hostname' | 'tls' | 'accept' | 'policy' | 'preSend' | 'reportReader' | 'log' | 'metrics' | 'nodeId'>;
/** HTTP listener settings; `trustedHosts` defaults to loopback. */
export type MtaHttpOptions = Omit<HttpListenerOptions, 'trustedHosts'> & { trustedHosts?: readonly Cidr[] };

export interface CreateMtaOptions {
  /** EHLO and banner name. */
  hostname: string;
  /** The node's state: node id, generated certificate, and the plugins' files (spool, journals). */
  dataDir: string;
  /** The MTA's capabilities; exactly one must provide the queue (`queuePlugin` of `@mtakit/queue`). */
  plugins: readonly MtaPlugin[];
  /** The application's own policy: the first layer, before every plugin's. */
  policy?: Policy;
  /** SMTP injection. Default 127.0.0.1:2525; `false` for none. */
  smtp?: MtaSmtpOptions | false;
  /** Admin, injection and metrics API. Default 127.0.0.1:8025; `false` for none. */
  http?: MtaHttpOptions | false;
  /** STARTTLS certificate files; default: one generated once and kept in the data dir. */
  tls?: { certFile?: string | undefined; keyFile?: string | undefined };
  /** Where JSONL log records go. Default `<dataDir>/logs`; `false` for none. */
  logDir?: string | false;
  /** Default: stderr, one line each. */
  logger?: Logger;
  /** DNS (tests pass one backed by a TestResolver). Default: the system's. */
  resolver?: MxResolver;
  metrics?: MtaMetrics;
  /** The application's version, for `GET /api/machine-info`. Default `unknown`. */
  version?: string;
  /**
   * The node's other worker processes (`runCluster` passes them): the admin API and the metrics
   * then answer for the whole node, and admin actions apply in every worker. Default: none (this
   * process is the node).
   */
  peers?: NodePeers;
}

/** A running MTA. */
export interface Mta {
  smtp: AddressInfo | undefined;
  http: AddressInfo | undefined;
  /** The queue's admin operations (suspend, bounce, rebind, held mail…). */
  queue: QueueEngine;
  log: LogBus;
  metrics: MtaMetrics;
  nodeId: string;
  /** Resolves when the spool has been fully re-queued. */
  recovered: Promise<{ recovered: number; ms: number }>;
  /** Every plugin's `reload`, then the queue drops its cached configs (KumoMTA's bump-config-epoch). */
  reload(): Promise<void>;
  /** Graceful stop: listeners closed, deliveries in flight finished, plugins stopped in reverse, logs flushed. */
  stop(): Promise<void>;
}

const LOOPBACK = ['127.0.0.0/8', '::1'].map((c) => parseCidr(c, 'trustedHosts'));

/**
 * Assembles an MTA from plugins and starts it: plugins are set up in dependency order; their
 * policies are layered after the application's; the queue is built with their shaper, classifier
 * and delivery gates; the SMTP and HTTP listeners feed it through the pre-send hook. Knows only
 * core's contracts: every capability comes from a plugin.
 */
export async function createMta(options: CreateMtaOptions): Promise<Mta> {
  // What `POST /api/admin/set_diagnostic_log_filter/v1` changes (KumoMTA's default shows info and up).
  const logFilter = new DiagnosticLogFilter('info');
  const sink = options.logger ?? consoleLogger;
  const logger: Logger = (level, message) => {
    if (logFilter.allows(level)) sink(level, message);
  };
  await mkdir(options.dataDir, { recursive: true });
  const logDir = options.logDir === false ? undefined : (options.logDir ?? join(options.dataDir, 'logs'));
  const metrics = options.metrics ?? new MtaMetrics({ system: { disks: { data: options.dataDir, ...(logDir ? { logs: logDir } : {}) } } });
  const log = new LogBus();
  // What has been opened so far, closed in reverse if the start fails half way.
  const opened: Array<() => unknown> = [];
  const closeAll = async () => {
    for (const close of opened.splice(0).reverse()) await Promise.resolve().then(close).catch((error: Error) => logger('error', `stopping: ${error.message}`));
  };
  try {
    if (logDir !== undefined) {
      const writer = new JsonlLogWriter({ dir: logDir });
      const unsubscribe = log.subscribe((record) => writer.write(record));
      opened.push(() => writer.close(), unsubscribe);
    }
    let assembled: Policy | undefined;
    const ctx: PluginContext = {
      hostname: options.hostname, dataDir: options.dataDir, nodeId: await loadNodeId(options.dataDir),
      logger, log, metrics, resolver: options.resolver ?? new MxResolver(), stores: outsideStores(logger),
      policy: () => {
        if (!assembled) throw new MtaKitError('E_INTERNAL', 'the policy is assembled after every plugin is set up: ask it when records arrive');
        return assembled;
      },
    };
    registerHealthMetrics(metrics.registry, ctx.stores);
    const parts: Array<{ name: string; provides: PluginProvides }> = [];
    for (const plugin of pluginOrder(options.plugins)) {
      const provides = (await plugin.setup(ctx)) ?? {};
      parts.push({ name: plugin.name, provides });
      opened.push(() => provides.stop?.());
      for (const consumer of provides.logConsumers ?? []) opened.push(log.subscribe(consumer));
    }
    const given = <K extends 'preSend' | 'shaper' | 'classify' | 'reportReader' | 'queue'>(key: K): PluginProvides[K] | undefined => {
      const givers = parts.filter((p) => p.provides[key] !== undefined);
      if (givers.length > 1) throw new ConfigError('plugins', givers.map((p) => p.name).join(', '), `more than one plugin provides the ${key}; only one may`);
      return givers[0]?.provides[key];
    };
    const policy = timedPolicy(composePolicies(options.policy ?? {}, ...parts.flatMap((p) => (p.provides.policy ? [p.provides.policy] : []))), metrics.policyLatency);
    assembled = policy;
    const preSend = given('preSend');
    const reportReader = given('reportReader');
    const makeQueue = given('queue');
    if (!makeQueue) throw new ConfigError('plugins', parts.map((p) => p.name).join(', '), 'no plugin provides the queue (add queuePlugin() from @mtakit/queue)');
    const perMessage = parts.flatMap((p) => (p.provides.perMessageQueueConfig === undefined ? [] : [p.provides.perMessageQueueConfig]));
    const queue = await makeQueue({
      policy, shaper: given('shaper'), classify: given('classify'),
      deliveryGate: chainDeliveryGates(parts.flatMap((p) => (p.provides.deliveryGate ? [p.provides.deliveryGate] : []))),
      perMessageQueueConfig: () => perMessage.some((m) => (typeof m === 'function' ? m() : m)),
    });
    opened.push(() => queue.shutdown());
    const recovered = queue.recover();
    recovered.catch((error: Error) => logger('error', `spool recovery failed: ${error.message}`));

    const reload = async () => {
      for (const p of parts) await p.provides.reload?.();
      queue.bumpConfigEpoch();
    };
    const accept = (messages: Parameters<QueueEngine['enqueue']>[0]) => queue.enqueue(messages);
    const auth = sharedAuthLimiter(options.smtp, options.http, metrics, logger);
    let http: HttpListener | undefined;
    if (options.http !== false) {
      const { trustedHosts, validateBasic, ...rest } = options.http ?? {};
      const validator = basicAuthValidator(validateBasic, policy);
      const peers = options.peers;
      http = new HttpListener({
        ...rest, ...auth.http, trustedHosts: trustedHosts ?? LOOPBACK, ...(validator ? { validateBasic: validator } : {}), ...(peers ? { around: nodeWideAround(peers) } : {}),
      });
      if (peers) {
        const listener = http;
        peers.answer('http', (request) => listener.dispatch(request as DispatchedRequest));
        peers.answer('metrics', () => metrics.registry.getMetricsAsJSON());
      }
      registerNodeRoutes(http, { nodeId: ctx.nodeId, version: options.version ?? 'unknown', metrics, logFilter, ...(peers ? { peerMetrics: () => peers.ask('metrics') } : {}) });
      registerHealthRoute(http, ctx.stores);
      http.route('POST', '/api/admin/bump-config-epoch', async () => {
        await reload();
        return { ok: true };
      });
      registerInjectRoute(http, { accept, policy, metrics, logger, ...(preSend ? { preSend } : {}) });
    }
    for (const p of parts) {
      if (http) p.provides.routes?.(http, queue);
      p.provides.metrics?.(metrics.registry, queue);
      await p.provides.start?.({ queue });
    }

    let ingress: SmtpIngress | undefined;
    if (options.smtp !== false) {
      const tls = await loadOrCreateCertificate({ certFile: options.tls?.certFile, keyFile: options.tls?.keyFile, dataDir: options.dataDir, hostname: options.hostname });
      ingress = new SmtpIngress({
        ...options.smtp, authLimiter: auth.smtp, hostname: options.hostname, tls, policy, log, metrics, nodeId: ctx.nodeId, accept,
        ...(preSend ? { preSend } : {}), ...(reportReader ? { reportReader } : {}),
      });
    }
    const smtpAddress = await ingress?.listen();
    if (ingress) opened.push(() => ingress.close());
    const httpAddress = await http?.listen();
    if (http) opened.push(() => http.close());
    logger('info', `listening: SMTP ${where(smtpAddress)}, HTTP ${where(httpAddress)}; data in ${options.dataDir}; plugins ${parts.map((p) => p.name).join(', ')}`);

    let stopping: Promise<void> | undefined;
    // In reverse of opening: listeners, the queue (deliveries in flight finish), each plugin's
    // log consumers and then the plugin itself, and last the log writer.
    const stop = () => (stopping ??= (async () => {
      logger('info', 'stopping: no new connections; finishing deliveries in flight');
      await closeAll();
      logger('info', 'stopped');
    })());
    return { smtp: smtpAddress, http: httpAddress, queue, log, metrics, nodeId: ctx.nodeId, recovered, reload, stop };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

function where(address: AddressInfo | undefined): string {
  return address ? `${address.address}:${address.port}` : 'off';
}
