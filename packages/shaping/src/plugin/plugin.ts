import { join } from 'node:path';
import { forRecordTypes, LOG_RECORD_TYPES, MtaKitError, redactedUrl, type LogRecord } from '@mtakit/core';
import { DEFAULT_SKIP_RECORD_TYPES } from '../automation/effects.js';
import type { MtaPlugin, PluginContext } from '@mtakit/core/mta';
import { createShaping } from '../shaping.js';
import { FailoverShapingStore, SHAPING_DEGRADED_MODE } from '../stores/failover.js';
import type { ShapingStore } from '../stores/store.js';
import { registerShapingRoutes } from './admin-routes.js';
import { registerShapingMetrics } from './metrics.js';
import { QueueAutomationActions } from './queue-actions.js';
import { shapingSources } from './sources.js';

export interface ShapingPluginOptions {
  /** Shaping files (KumoMTA TOML or JSON), merged in order after the built-in rules. */
  files?: readonly string[];
  /** Leave out the built-in rules (written for receivers' MX hosts; a smart host shapes per receiver). */
  noDefaultFiles?: boolean;
  /**
   * Share throttles, leases and automation state through this Redis (`redis://…`). Default: in
   * this process, kept in `<dataDir>/shaping-state.json`. Required at start; while it is down
   * later, limits fall back to this process (`FailoverShapingStore`) and health says so.
   */
  redis?: string | undefined;
  /** The name of the setting that gave `redis`, for the start error (e.g. `MTAKIT_REDIS_URL`). Default `redis`. */
  redisSetting?: string;
  /**
   * A store kept elsewhere instead (e.g. `remoteShapingStore`: the primary of a node's workers,
   * so every worker shares the node's limits). Takes precedence over `redis`.
   */
  store?: ShapingStore;
  /** How often other nodes' effects and expiries are picked up (and overrides that ended undone), ms. Default 1000. */
  syncIntervalMs?: number;
}

/**
 * Traffic shaping as a plugin of `createMta`: the built-in rules plus `files` answer
 * `get_egress_path_config`; the shaper enforces every limit in the queue; log records feed
 * automation, whose effects become queue suspensions, bounces and path config changes (through
 * the queue's `QueueControl`); `/api/admin/resolve-egress-path/v1`, shaping state in
 * `/api/admin/ready-queues/v1`, and the `shaping_*` gauges.
 */
export function shapingPlugin(options: ShapingPluginOptions = {}): MtaPlugin {
  const files = options.files ?? [];
  return {
    name: 'shaping',
    async setup(ctx) {
      const actions = new QueueAutomationActions(ctx.logger);
      const store = options.store ?? (options.redis ? await sharedStore(options.redis, options.redisSetting ?? 'redis', ctx) : undefined);
      const shaping = await createShaping({
        files: await shapingSources(files, ctx.logger),
        noDefaultFiles: options.noDefaultFiles ?? false,
        resolver: ctx.resolver,
        ...(store ? { store } : { stateFile: join(ctx.dataDir, 'shaping-state.json') }),
        actions,
        syncIntervalMs: options.syncIntervalMs ?? 1000,
      });
      for (const warning of shaping.rules.warnings) ctx.logger('warn', `shaping: ${warning}`);
      const rulesIn = [...(options.noDefaultFiles ? [] : ['built-in rules']), ...files];
      ctx.logger('info', `shaping: ${rulesIn.length > 0 ? rulesIn.join(' + ') : 'no rules'}; state ${options.store ? 'in the given store' : options.redis ? `in Redis at ${redactedUrl(options.redis)}` : 'in this process'}`);

      const pending = new Set<Promise<void>>();
      const consume = (record: LogRecord): void => {
        // Automation runs beside the log, not in its way: a slow store never holds up delivery.
        const work = shaping.consume(record).catch((error: Error) => ctx.logger('warn', `shaping: a log record was not considered: ${error.message}`));
        pending.add(work);
        void work.finally(() => pending.delete(work));
      };
      return {
        policy: shaping.policy,
        shaper: shaping.shaper,
        // Automation skips DEFAULT_SKIP_RECORD_TYPES (createShaping's) and warm-up counts only
        // Delivery, Bounce, OOB and Feedback: the bus need not call (and make promises) for the rest.
        logConsumers: [forRecordTypes(LOG_RECORD_TYPES.filter((t) => !DEFAULT_SKIP_RECORD_TYPES.has(t)), consume)],
        routes: (http, queue) => registerShapingRoutes(http, queue, shaping),
        metrics: (registry, queue) => registerShapingMetrics(registry, queue, shaping),
        start: ({ queue }) => actions.attach(queue),
        reload: async () => {
          const rules = await shaping.reload(await shapingSources(files, ctx.logger));
          for (const warning of rules.warnings) ctx.logger('warn', `shaping: ${warning}`);
        },
        stop: async () => {
          await Promise.all(pending);
          await shaping.close();
        },
      };
    },
  };
}

/**
 * The Redis store, required at start (a clear fatal error naming `setting` when it cannot be
 * reached), failing over to local limits while it is down at run time.
 */
async function sharedStore(url: string, setting: string, ctx: PluginContext): Promise<ShapingStore> {
  const status = ctx.stores.status('shaping', SHAPING_DEGRADED_MODE);
  // Loaded only when configured: ioredis is an optional peer dependency of @mtakit/shaping.
  const { RedisShapingStore } = await import('../stores/redis.js');
  const redis = new RedisShapingStore({ redis: url, status });
  await redis.connect().catch((error: Error) => {
    throw new MtaKitError('E_CONNECTION', `${error.message} (${setting}: shared shaping state is required; start refused)`, { cause: error });
  });
  return new FailoverShapingStore({ shared: redis, status });
}
