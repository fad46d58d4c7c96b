import { join, resolve } from 'node:path';
import { ConfigError } from '@mtakit/core';
import type { ClusterOptions, MtaPlugin, NodePeers } from '@mtakit/core/mta';
import { MemoryShapingStore, remoteShapingStore, serveShapingStore, shapingPlugin } from '@mtakit/shaping';
import type { MtaConfig } from '../config.js';

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
 * Traffic shaping (`@mtakit/shaping`'s plugin) from MTAKIT_SHAPING, MTAKIT_SHAPING_FILES and
 * MTAKIT_REDIS_URL. With MTAKIT_SMARTHOST the built-in rules (written for receivers' MX hosts)
 * are not loaded: the relay shapes per receiver, and only MTAKIT_SHAPING_FILES apply.
 */
export function shapingFromEnvironment(config: Pick<MtaConfig, 'smarthost'>, env: NodeJS.ProcessEnv = process.env, peers?: NodePeers): MtaPlugin[] {
  const settings = shapingSettings(env);
  if (!settings.enabled) return [];
  // One of several workers without Redis: the node's state is in the primary (nodeShapingStore).
  const store = peers && !settings.redisUrl ? remoteShapingStore((call) => peers.askPrimary(SHAPING_TOPIC, call)) : undefined;
  return [shapingPlugin({ files: settings.files, noDefaultFiles: config.smarthost !== undefined, redis: settings.redisUrl, redisSetting: 'MTAKIT_REDIS_URL', ...(store ? { store } : {}) })];
}

const SHAPING_TOPIC = 'shaping-store';

/**
 * With MTAKIT_WORKERS > 1 and no Redis, the primary keeps the node's shaping state (throttles,
 * connection leases, automation effects, warm-up; saved in `<data_dir>/shaping-state.json`) and
 * every worker's shaper asks it, so limits hold for the node, not per worker.
 */
export async function nodeShapingStore(config: Pick<MtaConfig, 'dataDir'>, env: NodeJS.ProcessEnv = process.env): Promise<Pick<ClusterOptions, 'serve' | 'workerGone' | 'onStop'>> {
  const settings = shapingSettings(env);
  if (!settings.enabled || settings.redisUrl) return {};
  const store = await MemoryShapingStore.open({ stateFile: join(config.dataDir, 'shaping-state.json') });
  const served = serveShapingStore(store);
  return { serve: { [SHAPING_TOPIC]: served.serve }, workerGone: (pid) => void served.callerGone(pid), onStop: () => store.close() };
}
