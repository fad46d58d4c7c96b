import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { internalResponse, MtaKitError, type Message, type SmtpResponse } from '@mtakit/core';
import type { MtaPlugin, PluginContext, PluginProvides } from '@mtakit/core/mta';
import type { BounceClassifier } from '../classifier.js';
import { readInboundReport } from '../report-listener.js';
import {
  FileSuppressionStore, oneClickUnsubscribeHandler, registerSuppressionRoutes, suppressionConsumer, SuppressionPolicy, suppressionResponse,
  type SuppressionEntry, type SuppressionStore,
} from '../suppression/index.js';
import { buildClassifier, loadBounceHooks, type BounceHooks } from './hooks.js';
import { bouncesPolicy, checkMessage } from './policy.js';
import { resolveBounceSettings, type BounceOptions, type BounceSettings } from './settings.js';

export interface BouncePluginOptions extends BounceOptions {
  /** Hooks given in code (instead of the `hooks` module). */
  hookFunctions?: BounceHooks | undefined;
  /** fdatasync the suppression journal on every change. Default true. */
  fsync?: boolean | undefined;
  /** How the hooks module was given, for errors (e.g. an environment variable). Default `bounce.hooks`. */
  hooksName?: string | undefined;
  /** How a Redis suppression store was given, for the start error (e.g. an environment variable). Default `suppression.store`. */
  storeName?: string | undefined;
  /**
   * A suppression list kept elsewhere instead of `suppression.store` (e.g. a
   * `ReplicaSuppressionStore`: the node's one list, kept by the primary of `runCluster`'s workers).
   * The plugin does not close it.
   */
  store?: SuppressionStore | undefined;
}

/**
 * Bounces, complaints and suppression as a plugin of `createMta`:
 * - every TransientFailure and Bounce record is classified (built-in rules, `ruleFiles` first,
 *   then the `rewrite_bounce_classification` hook);
 * - outgoing mail gets the X-MtaKit-Ref trace header (signed with `trace.secret`), VERP return
 *   paths and one-click List-Unsubscribe headers, as configured;
 * - mail for the bounce and feedback domains is read as DSNs and ARF reports;
 * - the suppression list learns from Bounce, TransientFailure, OOB and Feedback records and is
 *   checked at RCPT, when the message is received, and again before each delivery (a delivery gate);
 * - the list's HTTP API is on the admin listener, the one-click receiver on its own listener.
 */
export function bouncePlugin(options: BouncePluginOptions = {}): MtaPlugin {
  return { name: 'bounce', setup: (ctx) => setupBounces(ctx, options) };
}

async function setupBounces(ctx: PluginContext, options: BouncePluginOptions): Promise<PluginProvides> {
  const settings = resolveBounceSettings(options, ctx.dataDir);
  const hooks = options.hookFunctions ?? (settings.hooks ? await loadBounceHooks(settings.hooks, options.hooksName) : {});
  let classifier = await buildClassifier(settings.ruleFiles, hooks, ctx.logger);
  const policy = new SuppressionPolicy(settings.suppression.policy);
  const store = await openStore(settings, ctx, options);
  const consumer = suppressionConsumer(store, policy, {
    onError: (error, record) => ctx.logger('warn', `suppression list not updated from a ${record.type} record for ${String(record.recipient)}: ${(error as Error).message}`),
  });
  let unsubscribeServer: Server | undefined;

  return {
    logConsumers: [consumer],
    policy: bouncesPolicy({ settings, store, classifier: (): BounceClassifier => classifier, log: ctx.log, nodeId: ctx.nodeId }),
    classify: (response: SmtpResponse) => classifier.classify(response).category,
    reportReader: readInboundReport,
    ...(settings.suppression.mode === 'off'
      ? {}
      : {
          deliveryGate: async (message: Message) => {
            let entry: SuppressionEntry | undefined;
            try {
              entry = await checkMessage(store, message);
            } catch (error) {
              // Never send unchecked: the message waits for the list like any temporary failure.
              if (error instanceof MtaKitError && error.code === 'E_CONNECTION') return internalResponse(451, '4.3.0', 'suppression list unavailable, will retry');
              throw error;
            }
            return entry ? suppressionResponse(entry) : undefined;
          },
        }),
    routes: (http) => registerSuppressionRoutes(http, store, { policy }),
    async start() {
      const { listen, secret } = settings.unsubscribe;
      if (listen && secret) {
        unsubscribeServer = createServer(oneClickUnsubscribeHandler({ store, secret, policy }));
        const server = unsubscribeServer;
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(listen.port, listen.host, () => resolve());
        });
        const a = server.address() as AddressInfo;
        ctx.logger('info', `one-click unsubscribe listening on ${a.address}:${a.port}`);
      }
    },
    async reload() {
      classifier = await buildClassifier(settings.ruleFiles, hooks, ctx.logger);
    },
    async stop() {
      if (unsubscribeServer) {
        unsubscribeServer.closeAllConnections();
        await new Promise((resolve) => unsubscribeServer?.close(resolve));
      }
      if (!options.store) await store.close();
    },
  };
}

async function openStore(settings: BounceSettings, ctx: PluginContext, options: BouncePluginOptions): Promise<SuppressionStore> {
  if (options.store) return options.store;
  const where = settings.suppression.store;
  if (/^rediss?:\/\//.test(where)) {
    // Loaded only when configured: ioredis is an optional peer dependency of @mtakit/bounce.
    const { RedisSuppressionStore } = await import('../suppression/redis.js');
    // Required at start; while Redis is down later, checks fail fast and the mail is deferred (451 4.3.0).
    const status = ctx.stores.status('suppression', 'recipients are deferred with 451 4.3.0 at RCPT and deliveries wait until the list is back');
    const redis = new RedisSuppressionStore({ redis: where, status });
    await redis.connect().catch((error: Error) => {
      throw new MtaKitError('E_CONNECTION', `${error.message} (${options.storeName ?? 'suppression.store'}: the suppression list is required; start refused)`, { cause: error });
    });
    return redis;
  }
  const store = await FileSuppressionStore.open({ path: where, fsync: options.fsync ?? true });
  const { entries, corrupt, compacted } = store.loaded;
  ctx.logger(corrupt > 0 ? 'warn' : 'info', `suppression list: ${entries} entries from ${where}${compacted ? ' (compacted)' : ''}${corrupt > 0 ? `; ${corrupt} torn line(s) skipped` : ''}`);
  return store;
}
