import { bouncePlugin } from '@mtakit/bounce';
import type { MtaPlugin } from '@mtakit/core/mta';
import { loadBouncesSettings } from './bounces-settings.js';

/**
 * Bounces, complaints and suppression (`@mtakit/bounce`'s plugin) from MTAKIT_BOUNCES_CONFIG and
 * the MTAKIT_BOUNCE_* / MTAKIT_SUPPRESSION_* / MTAKIT_UNSUBSCRIBE_* variables (see docs/suppression.md).
 */
export function bouncesFromEnvironment(config: { dataDir: string; fsync: boolean }, env: NodeJS.ProcessEnv = process.env): MtaPlugin {
  return bouncePlugin({ ...loadBouncesSettings(env, config.dataDir), fsync: config.fsync, hooksName: 'MTAKIT_BOUNCE_HOOKS', storeName: 'MTAKIT_SUPPRESSION_STORE' });
}
