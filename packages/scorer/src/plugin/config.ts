import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, FieldReader, type ConfigInput } from '@mtakit/core';
import { checkSendingDomains } from '../sending-domains.js';
import type { TenantSettings } from '../settings.js';
import type { SuppressionLookup } from '../stages/recipient.js';
import type { Stage } from '../types.js';

/** The scorer plugin's config file (JSON), read at start and on every reload. */
export interface ScorerConfig {
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
  /** `sending_domains`: each tenant's verified sending domains, `{ "acme": ["acme.example"] }` (see `SendingDomains`). */
  sendingDomains: Record<string, string[]>;
  /**
   * `pass_record_sample`: the share of `pass` verdicts written as PreSendVerdict records, 0–1
   * (every 1/x-th pass). Default 1: every verdict is recorded. Other verdicts are always recorded.
   */
  passRecordSample: number;
}

const KEYS = new Set(['defaults', 'tenants', 'stage_budget', 'pipeline_budget', 'acknowledgement_duration', 'modules', 'sending_domains', 'pass_record_sample']);

/**
 * Reads the scorer config file (`file`, relative to `cwd`; none = every default). Errors name the
 * file and key; `name` is how the file was given (an environment variable, an option).
 */
export function readScorerConfig(file: string | undefined, options: { cwd?: string; name?: string } = {}): ScorerConfig {
  const path = file === undefined ? undefined : resolve(options.cwd ?? process.cwd(), file);
  const r = new FieldReader(path ? readJson(path, options.name ?? 'scorer.config') : {}, path ? `scorer(${path})` : 'scorer');
  r.rejectUnknown(KEYS);
  const defaults = r.raw('defaults');
  if (defaults !== undefined && !isTable(defaults)) throw new ConfigError(r.key('defaults'), defaults, 'must be an object of tenant settings');
  const tenants = r.raw('tenants') ?? {};
  if (!isTable(tenants) || !Object.values(tenants).every(isTable)) throw new ConfigError(r.key('tenants'), tenants, 'must be an object of tenant name = settings');
  return {
    file: path,
    defaults: defaults as TenantSettings | undefined,
    tenants: tenants as Record<string, TenantSettings>,
    stageBudgetMs: r.optDuration('stage_budget'),
    pipelineBudgetMs: r.optDuration('pipeline_budget'),
    acknowledgementMs: r.duration('acknowledgement_duration', '7 days'),
    modules: r.stringList('modules', []).map((m) => resolve(path ? dirname(path) : options.cwd ?? process.cwd(), m)),
    sendingDomains: checkSendingDomains(r.raw('sending_domains') ?? {}, r.key('sending_domains')),
    passRecordSample: share(r.raw('pass_record_sample') ?? 1, r.key('pass_record_sample')),
  };
}

function share(value: unknown, key: string): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new ConfigError(key, value, 'must be a number from 0 to 1: the share of pass verdicts written as PreSendVerdict records (1, the default, writes every one)');
  }
  return value;
}

/** What the configured modules add to the pipeline. */
export interface ScorerModules {
  stages: Stage[];
  suppression: SuppressionLookup | undefined;
}

/**
 * Imports the `modules`: each may export `stages` (an array of Stage objects, appended after the
 * built-in ones) and `suppression` (a SuppressionLookup; at most one module may).
 */
export async function loadScorerModules(modules: readonly string[]): Promise<ScorerModules> {
  const plugins: ScorerModules = { stages: [], suppression: undefined };
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

function readJson(path: string, name: string): ConfigInput {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ConfigInput;
  } catch (error) {
    throw new ConfigError(name, path, `cannot read the scorer config: ${(error as Error).message}`, { cause: error });
  }
}
