import { join, resolve } from 'node:path';
import { ConfigError, type LogRecord } from '@mtakit/core';
import { createShaping, readShapingFile, RedisShapingStore, type ShapingSource } from '@mtakit/shaping';
import type { Feature, MtaContext } from './feature.js';
import { QueueAutomationActions } from './shaping-actions.js';
import { registerShapingRoutes } from './shaping-admin.js';
import { registerShapingMetrics } from './shaping-metrics.js';

/** The shaping settings of the example MTA, from its environment. */
export interface ShapingSettings {
  /** `MTAKIT_SHAPING=off` turns shaping off (no throttles, no leases, no automation). Default on. */
  enabled: boolean;
  /** `MTAKIT_SHAPING_FILES`: shaping files (KumoMTA TOML or JSON), comma-separated, merged in order after the built-in rules. */
  files: string[];
  /** `MTAKIT_REDIS_URL`: share throttles, leases and automation state through this Redis. Default: in this process. */
  redisUrl: string | undefined;
}

export function shapingSettings(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ShapingSettings {
  const switchValue = (env['MTAKIT_SHAPING'] ?? 'on').trim().toLowerCase();
  if (!['on', 'off', 'true', 'false', '1', '0'].includes(switchValue)) throw new ConfigError('MTAKIT_SHAPING', env['MTAKIT_SHAPING'], 'must be on or off');
  return {
    enabled: ['on', 'true', '1'].includes(switchValue),
    files: (env['MTAKIT_SHAPING_FILES'] ?? '').split(',').map((f) => f.trim()).filter(Boolean).map((f) => resolve(cwd, f)),
    redisUrl: env['MTAKIT_REDIS_URL'] || undefined,
  };
}

/**
 * KumoMTA's community shaping file writes its Gmail rules under `[provider."gmail"]` with no
 * `match`, so they never apply; when a loaded file does that, this overlay gives the provider
 * Google's MX hosts (the two lines docs/shaping.md suggests).
 */
const GMAIL_PROVIDER_MATCH: ShapingSource = {
  name: 'mtakit:gmail-provider-match',
  document: { provider: { gmail: { match: [{ MXSuffix: '.google.com' }] } } },
};

/** How often other nodes' effects and expiries are picked up (and overrides that ended undone). */
const SYNC_INTERVAL_MS = 1000;

/**
 * Traffic shaping (`@mtakit/shaping`): the built-in rules plus MTAKIT_SHAPING_FILES answer
 * `get_egress_path_config` (after the application's and the Lua policy's layers); the shaper
 * enforces every limit in the queue; delivery log records feed automation, whose effects become
 * queue suspensions, bounces and path config changes; state lives in the data dir, or in Redis
 * with MTAKIT_REDIS_URL. With MTAKIT_SMARTHOST the built-in rules (written for receivers' MX
 * hosts) are not loaded: the relay shapes per receiver, and only MTAKIT_SHAPING_FILES apply.
 * Adds `/api/admin/resolve-egress-path/v1`, shaping state in `/api/admin/ready-q-states/v1` and
 * `shaping_*` metrics.
 */
export async function shapingFeature(ctx: MtaContext): Promise<Feature> {
  const settings = shapingSettings();
  if (!settings.enabled) {
    ctx.logger('info', 'shaping: off (MTAKIT_SHAPING=off): no rates, leases or automation');
    return { name: 'shaping' };
  }
  const actions = new QueueAutomationActions(ctx.logger);
  const store = settings.redisUrl ? new RedisShapingStore({ redis: settings.redisUrl }) : undefined;
  const noDefaultFiles = ctx.config.smarthost !== undefined;
  const shaping = await createShaping({
    files: await shapingSources(settings.files, ctx.logger),
    noDefaultFiles,
    resolver: ctx.resolver,
    ...(store ? { store } : { stateFile: join(ctx.config.dataDir, 'shaping-state.json') }),
    actions,
    syncIntervalMs: SYNC_INTERVAL_MS,
  });
  for (const warning of shaping.rules.warnings) ctx.logger('warn', `shaping: ${warning}`);
  const rulesIn = [...(noDefaultFiles ? [] : ['built-in rules']), ...settings.files];
  ctx.logger('info', `shaping: ${rulesIn.length > 0 ? rulesIn.join(' + ') : 'no rules (smart host, no MTAKIT_SHAPING_FILES)'}; state ${store ? `in Redis at ${redacted(settings.redisUrl as string)}` : 'in this process'}`);

  const pending = new Set<Promise<void>>();
  const consume = (record: LogRecord): void => {
    // Automation runs beside the log, not in its way: a slow store never holds up delivery.
    const work = shaping.consume(record).catch((error: Error) => ctx.logger('warn', `shaping: a log record was not considered: ${error.message}`));
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };
  let unsubscribe: (() => void) | undefined;
  return {
    name: 'shaping',
    policy: shaping.policy,
    queueOptions: { shaper: shaping.shaper },
    start: async ({ queue, http }) => {
      unsubscribe = ctx.log.subscribe(consume);
      registerShapingRoutes(http, queue, shaping);
      registerShapingMetrics(ctx.metrics.registry, queue, shaping);
      await actions.attach(queue);
    },
    reload: async () => {
      const rules = await shaping.reload(await shapingSources(settings.files, ctx.logger));
      for (const warning of rules.warnings) ctx.logger('warn', `shaping: ${warning}`);
    },
    stop: async () => {
      unsubscribe?.();
      await Promise.all(pending);
      await shaping.close();
    },
  };
}

/** Reads the files (each once) and adds the Gmail overlay when one of them needs it. */
async function shapingSources(files: readonly string[], logger: MtaContext['logger']): Promise<ShapingSource[]> {
  const sources: ShapingSource[] = [];
  for (const file of files) sources.push({ name: file, document: await readShapingFile(file) });
  const needing = sources.filter((s) => typeof s !== 'string' && gmailProviderLacksMatch(s.document));
  if (needing.length === 0) return sources;
  logger('info', `shaping: [provider."gmail"] in ${needing.map((s) => (s as { name: string }).name).join(', ')} has no match; adding match = [{MXSuffix = ".google.com"}] so its rules apply`);
  return [...sources, GMAIL_PROVIDER_MATCH];
}

function gmailProviderLacksMatch(document: unknown): boolean {
  const gmail = table(table(document)?.['provider'])?.['gmail'];
  return table(gmail) !== undefined && table(gmail)?.['match'] === undefined;
}

function table(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function redacted(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
