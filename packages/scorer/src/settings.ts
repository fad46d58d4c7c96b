import { ConfigError, FieldReader } from '@mtakit/core';
import type { FailurePolicy } from './types.js';
import { bandsFor, type Bands } from './verdict.js';

/** Per-tenant scoring settings; every key is optional and falls back to the scorer's defaults. */
export interface TenantSettings {
  /** Hold threshold, 1–100. Default 65. */
  threshold?: number;
  /** Width of the flag band just below the threshold. Default 15. */
  flagMargin?: number;
  /** Scores at threshold + rejectMargin and above are rejected. Default 25. */
  rejectMargin?: number;
  /** Weight per stage name, 0–1 (0 keeps the stage in the breakdown but out of the total). */
  weights?: Record<string, number>;
  /** What a stage error or timeout does to the verdict. Default `'flag'` (pass, but flagged). */
  onFailure?: FailurePolicy;
}

export interface ResolvedSettings {
  readonly bands: Bands;
  readonly weights: ReadonlyMap<string, number>;
  readonly onFailure: FailurePolicy;
}

export const DEFAULT_THRESHOLD = 65;
export const DEFAULT_FLAG_MARGIN = 15;
export const DEFAULT_REJECT_MARGIN = 25;

const KNOWN = new Set(['threshold', 'flagMargin', 'rejectMargin', 'weights', 'onFailure']);
const POLICIES: readonly FailurePolicy[] = ['flag', 'pass', 'hold'];

/** Settings when nothing is configured: the stages' own weights and the defaults above. */
export function baseSettings(stageWeights: ReadonlyMap<string, number>): ResolvedSettings {
  return {
    bands: bandsFor(DEFAULT_THRESHOLD, DEFAULT_FLAG_MARGIN, DEFAULT_REJECT_MARGIN),
    weights: stageWeights,
    onFailure: 'flag',
  };
}

/**
 * Validates `input` and layers it over `base`. `prefix` names the settings in errors
 * (`tenants.acme.threshold`); unknown keys and weights for stages the pipeline lacks are errors,
 * so a typo cannot silently leave a tenant on the defaults.
 */
export function resolveSettings(input: TenantSettings, base: ResolvedSettings, prefix: string): ResolvedSettings {
  const r = new FieldReader(input as Record<string, unknown>, prefix);
  r.rejectUnknown(KNOWN);
  const threshold = r.int('threshold', base.bands.threshold, 1);
  if (threshold > 100) throw new ConfigError(r.key('threshold'), threshold, 'must be at most 100');
  const flagMargin = r.int('flagMargin', base.bands.threshold - base.bands.flagAt);
  const rejectMargin = r.int('rejectMargin', base.bands.rejectAt - base.bands.threshold);
  return {
    bands: bandsFor(threshold, flagMargin, rejectMargin),
    weights: resolveWeights(r, base.weights),
    onFailure: r.oneOf('onFailure', POLICIES, base.onFailure),
  };
}

function resolveWeights(r: FieldReader, base: ReadonlyMap<string, number>): ReadonlyMap<string, number> {
  const raw = r.raw('weights');
  if (raw === undefined || raw === null) return base;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(r.key('weights'), raw, 'must be a table of stage name = weight');
  const weights = new Map(base);
  for (const [name, w] of Object.entries(raw as Record<string, unknown>)) {
    const key = `${r.key('weights')}.${name}`;
    if (!base.has(name)) throw new ConfigError(key, w, `no stage is named ${JSON.stringify(name)} (stages: ${[...base.keys()].join(', ')})`);
    if (typeof w !== 'number' || !(w >= 0 && w <= 1)) throw new ConfigError(key, w, 'must be a number from 0 to 1');
    weights.set(name, w);
  }
  return weights;
}
