import { ConfigError } from '@mtakit/core';
import type { MtaPlugin } from '@mtakit/core/mta';
import { readScorerConfig, scorerPlugin, sendingDomainsFromPairs, type ScorerConfig } from '@mtakit/scorer';

/** How the example MTA runs the pre-send scorer: MTAKIT_SCORER and the MTAKIT_SCORER_CONFIG file. */
export interface ScorerSettings extends ScorerConfig {
  /** False with MTAKIT_SCORER=off: no scoring, no verdict records, nothing held. */
  enabled: boolean;
  /** MTAKIT_SCORER_SENDING_DOMAINS (`tenant=domain,…`): verified sending domains, added to the file's. */
  settingDomains: Record<string, string[]>;
}

/**
 * Reads MTAKIT_SCORER (`on`, the default, or `off`), MTAKIT_SCORER_SENDING_DOMAINS and the JSON
 * file named by MTAKIT_SCORER_CONFIG (relative to `cwd`). Errors name the variable or the file and key.
 */
export function loadScorerSettings(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ScorerSettings {
  const switchValue = env['MTAKIT_SCORER'] ?? 'on';
  if (switchValue !== 'on' && switchValue !== 'off') throw new ConfigError('MTAKIT_SCORER', switchValue, 'must be on or off');
  const pairs = (env['MTAKIT_SCORER_SENDING_DOMAINS'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  return {
    enabled: switchValue === 'on',
    settingDomains: sendingDomainsFromPairs(pairs, 'MTAKIT_SCORER_SENDING_DOMAINS (scorer_sending_domains)'),
    ...readScorerConfig(env['MTAKIT_SCORER_CONFIG'] || undefined, { cwd, name: 'MTAKIT_SCORER_CONFIG' }),
  };
}

/** The pre-send scorer (`@mtakit/scorer`'s plugin) unless MTAKIT_SCORER=off; settings re-read on bump-config-epoch. */
export function scorerFromEnvironment(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): MtaPlugin[] {
  const settings = loadScorerSettings(env, cwd);
  return settings.enabled ? [scorerPlugin({ configFile: settings.file, configName: 'MTAKIT_SCORER_CONFIG', sendingDomains: settings.settingDomains })] : [];
}
