import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, FieldReader, type ConfigInput } from '@mtakit/core';
import type { Stage, SuppressionLookup, TenantSettings } from '@mtakit/scorer';

/** How the example MTA runs the pre-send scorer: MTAKIT_SCORER and the MTAKIT_SCORER_CONFIG file. */
export interface ScorerFeatureSettings {
  /** False with MTAKIT_SCORER=off: no scoring, no verdict records, nothing held. */
  enabled: boolean;
  /** The config file (absolute), when there is one. */
  file: string | undefined;
  /** Settings for every tenant (`defaults`: threshold, weights, onFailure, margins). */
  defaults: TenantSettings | undefined;
  /** Per-tenant settings over `defaults`; validated when the scorer is built. */
  tenants: Record<string, TenantSettings>;
  /** `stage_budget` / `pipeline_budget`, ms; undefined keeps the scorer's defaults (25 / 50). */
  stageBudgetMs: number | undefined;
  pipelineBudgetMs: number | undefined;
  /** `acknowledgement_duration`: how long a release keeps later holds of its campaign down. Default 7 days. */
  acknowledgementMs: number;
  /** `modules`: files (absolute; relative to the config file) exporting custom `stages` and/or a `suppression` lookup. */
  modules: string[];
}

const KEYS = new Set(['defaults', 'tenants', 'stage_budget', 'pipeline_budget', 'acknowledgement_duration', 'modules']);

/**
 * Reads MTAKIT_SCORER (`on`, the default, or `off`) and the JSON file named by
 * MTAKIT_SCORER_CONFIG (relative to `cwd`). Errors name the variable or the file and key.
 */
export function loadScorerSettings(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ScorerFeatureSettings {
  const switchValue = env['MTAKIT_SCORER'] ?? 'on';
  if (switchValue !== 'on' && switchValue !== 'off') throw new ConfigError('MTAKIT_SCORER', switchValue, 'must be on or off');
  const name = env['MTAKIT_SCORER_CONFIG'];
  const file = name ? resolve(cwd, name) : undefined;
  const r = new FieldReader(file ? readJson(file) : {}, file ? `scorer(${file})` : 'scorer');
  r.rejectUnknown(KEYS);
  const defaults = r.raw('defaults');
  if (defaults !== undefined && !isTable(defaults)) throw new ConfigError(r.key('defaults'), defaults, 'must be an object of tenant settings');
  const tenants = r.raw('tenants') ?? {};
  if (!isTable(tenants) || !Object.values(tenants).every(isTable)) throw new ConfigError(r.key('tenants'), tenants, 'must be an object of tenant name = settings');
  return {
    enabled: switchValue === 'on',
    file,
    defaults: defaults as TenantSettings | undefined,
    tenants: tenants as Record<string, TenantSettings>,
    stageBudgetMs: r.optDuration('stage_budget'),
    pipelineBudgetMs: r.optDuration('pipeline_budget'),
    acknowledgementMs: r.duration('acknowledgement_duration', '7 days'),
    modules: r.stringList('modules', []).map((m) => resolve(file ? dirname(file) : cwd, m)),
  };
}

/** What the configured modules add to the pipeline. */
export interface ScorerPlugins {
  stages: Stage[];
  suppression: SuppressionLookup | undefined;
}

/**
 * Imports the `modules`: each may export `stages` (an array of Stage objects, appended after the
 * built-in ones) and `suppression` (a SuppressionLookup; at most one module may).
 */
export async function loadScorerPlugins(modules: readonly string[]): Promise<ScorerPlugins> {
  const plugins: ScorerPlugins = { stages: [], suppression: undefined };
  for (const file of modules) {
    let mod: { stages?: unknown; suppression?: unknown };
    try {
      mod = (await import(pathToFileURL(file).href)) as typeof mod;
    } catch (error) {
      throw new ConfigError('scorer.modules', file, `cannot import the module: ${(error as Error).message}`, { cause: error });
    }
    if (mod.stages === undefined && mod.suppression === undefined) throw new ConfigError('scorer.modules', file, 'exports neither `stages` nor `suppression`');
    if (mod.stages !== undefined) {
      if (!Array.isArray(mod.stages)) throw new ConfigError('scorer.modules', file, '`stages` must be an array of stages');
      mod.stages.forEach((stage: unknown, i) => {
        if (!isStage(stage)) throw new ConfigError('scorer.modules', file, `stages[${i}] must be a stage: { name, scope: 'campaign' | 'message', weight, run(input) }`);
        plugins.stages.push(stage);
      });
    }
    if (mod.suppression !== undefined) {
      if (typeof mod.suppression !== 'function') throw new ConfigError('scorer.modules', file, '`suppression` must be a function (tenant, recipient) => boolean | string | undefined');
      if (plugins.suppression) throw new ConfigError('scorer.modules', file, 'another module already provides `suppression`');
      plugins.suppression = mod.suppression as SuppressionLookup;
    }
  }
  return plugins;
}

function isStage(value: unknown): value is Stage {
  const s = value as Partial<Stage> | null;
  return typeof s === 'object' && s !== null && typeof s.name === 'string' && (s.scope === 'campaign' || s.scope === 'message')
    && typeof s.weight === 'number' && typeof s.run === 'function';
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readJson(path: string): ConfigInput {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ConfigInput;
  } catch (error) {
    throw new ConfigError('MTAKIT_SCORER_CONFIG', path, `cannot read the scorer config: ${(error as Error).message}`, { cause: error });
  }
}
