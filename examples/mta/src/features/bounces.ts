import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readInboundReport, type BounceClassifier } from '@mtakit/bounce';
import {
  FileSuppressionStore, oneClickUnsubscribeHandler, registerSuppressionRoutes, suppressionConsumer, SuppressionPolicy, suppressionResponse,
  type SuppressionStore,
} from '@mtakit/bounce/suppression';
import type { Message, SmtpResponse } from '@mtakit/core';
import type { HttpListener } from '@mtakit/core/http';
import type { MtaPlugin, PluginContext, PluginProvides } from '@mtakit/core/mta';
import { buildClassifier, loadBounceHooks, type BounceHooks } from './bounces-hooks.js';
import { bouncesPolicy, checkMessage } from './bounces-policy.js';
import { loadBouncesSettings, type BouncesSettings } from './bounces-settings.js';

export type { BounceHooks } from './bounces-hooks.js';

export interface BouncesFeatureOptions {
  /** Where the settings come from. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Hooks given in code (instead of the MTAKIT_BOUNCE_HOOKS module). */
  hooks?: BounceHooks;
}

/**
 * Bounces, complaints and suppression for the example MTA:
 * - every TransientFailure and Bounce record is classified (built-in rules, MTAKIT_BOUNCE_RULES
 *   files first, then the `rewrite_bounce_classification` hook);
 * - outgoing mail gets the X-MtaKit-Ref trace header (signed with MTAKIT_TRACE_SECRET), VERP
 *   return paths (MTAKIT_VERP_DOMAIN) and one-click List-Unsubscribe headers, as configured;
 * - mail for MTAKIT_BOUNCE_DOMAINS / MTAKIT_FEEDBACK_DOMAINS is read as DSNs and ARF reports;
 * - the suppression list learns from Bounce, TransientFailure, OOB and Feedback records and is
 *   checked at RCPT, when the message is received, and again before each delivery;
 * - the list's HTTP API is on the admin listener, the one-click receiver on its own listener.
 */
export function bouncesPlugin(config: { fsync: boolean }, options: BouncesFeatureOptions = {}): MtaPlugin {
  return { name: 'bounces', setup: (ctx) => setupBounces(ctx, config, options) };
}

async function setupBounces(ctx: PluginContext, config: { fsync: boolean }, options: BouncesFeatureOptions): Promise<PluginProvides> {
  const settings = loadBouncesSettings(options.env ?? process.env, ctx.dataDir);
  const hooks = options.hooks ?? (settings.hooks ? await loadBounceHooks(settings.hooks) : {});
  let classifier = await buildClassifier(settings.ruleFiles, hooks, ctx.logger);
  const policy = new SuppressionPolicy(settings.suppression.policy);
  const store = await openStore(settings, ctx, config.fsync);
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
            const entry = await checkMessage(store, message);
            return entry ? suppressionResponse(entry) : undefined;
          },
        }),
    routes: (http: HttpListener) => registerSuppressionRoutes(http, store, { policy }),
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
      await store.close();
    },
  };
}

async function openStore(settings: BouncesSettings, ctx: PluginContext, fsync: boolean): Promise<SuppressionStore> {
  const where = settings.suppression.store;
  if (/^rediss?:\/\//.test(where)) {
    // Loaded only when configured: ioredis is an optional peer dependency of @mtakit/bounce.
    const { RedisSuppressionStore } = await import('@mtakit/bounce/redis');
    return new RedisSuppressionStore({ redis: where });
  }
  const store = await FileSuppressionStore.open({ path: where, fsync });
  const { entries, corrupt, compacted } = store.loaded;
  ctx.logger(corrupt > 0 ? 'warn' : 'info', `suppression list: ${entries} entries from ${where}${compacted ? ' (compacted)' : ''}${corrupt > 0 ? `; ${corrupt} torn line(s) skipped` : ''}`);
  return store;
}
