import { dirname, extname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, POLICY_EVENTS, type Policy, type PolicyEventName, type ShapingRulesLoader } from '@mtakit/core';
import type { LoadLuaPolicyOptions } from '@mtakit/lua';
import { tsImport } from 'tsx/esm/api';
import type { MtaConfig } from '../config.js';

/**
 * What MTAKIT_POLICY may name: an init.lua, run by @mtakit/lua, or a module (TypeScript under
 * tsx, or JavaScript) whose default export, or else its `policy` export, is a core Policy.
 * Shared by the policy feature and `mtakit policy check`.
 */
export type PolicyKind = 'lua' | 'module';

const MODULE_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs']);

export function policyKind(file: string): PolicyKind {
  const ext = extname(file);
  if (ext === '.lua') return 'lua';
  if (MODULE_EXTENSIONS.has(ext)) return 'module';
  throw new ConfigError('policy', file, 'must be an init.lua (.lua) or a policy module (.ts, .mts, .js, .mjs, .cjs)');
}

/** The config settings that shape how a Lua policy loads. */
export type LuaPolicySettings = Pick<MtaConfig, 'policyDirs' | 'policyInclude' | 'policyBudgetMs' | 'policyBreakerQuietMs' | 'policyPathMap' | 'policyEnv'>;

/**
 * loadLuaPolicy/checkPolicy options for `file`: it may read below its own directory, the
 * directories of its includes (the operator named those files) and MTAKIT_POLICY_DIRS;
 * `policy-extras.shaping` reads through the shaping package's loader.
 */
export function luaLoadOptions(file: string, settings: LuaPolicySettings, shapingRules: ShapingRulesLoader): Omit<LoadLuaPolicyOptions, 'file' | 'source'> {
  const allowedDirs = [...new Set([dirname(file), ...settings.policyInclude.map((f) => dirname(f)), ...settings.policyDirs])];
  return {
    include: settings.policyInclude,
    allowedDirs,
    providers: { shapingRules },
    budgetMs: settings.policyBudgetMs,
    breaker: { quietMs: settings.policyBreakerQuietMs },
    pathMap: settings.policyPathMap,
    allowedEnv: settings.policyEnv,
  };
}

export { readsMessageMetadata } from '@mtakit/lua';

type ModuleExports = { default?: unknown; policy?: unknown };

/** Imports a policy module; fails with a ConfigError naming the file if it exports no valid Policy. */
export async function importPolicyModule(file: string): Promise<Policy> {
  const url = pathToFileURL(file).href;
  let mod: ModuleExports;
  try {
    // tsx's tsImport loads TypeScript wherever it lives; a plain import() of a .ts file outside an
    // ESM package fails under Node's require(esm) rules.
    mod = (/\.[cm]?ts$/.test(file) ? await tsImport(url, import.meta.url) : await import(url)) as ModuleExports;
  } catch (error) {
    throw new ConfigError('policy', file, `cannot import the policy module: ${(error as Error).message}`, { cause: error });
  }
  return asPolicy(exportedPolicy(mod), file);
}

const EVENT_NAMES: ReadonlySet<string> = new Set(POLICY_EVENTS);

/**
 * The default export, else the `policy` export. A CommonJS module (a .ts file outside an ESM
 * package compiles to one) arrives wrapped: its exports object is the default export.
 */
function exportedPolicy(mod: ModuleExports): unknown {
  const value = mod.default ?? mod.policy;
  if (value !== null && typeof value === 'object' && !Object.keys(value).some((k) => EVENT_NAMES.has(k))) {
    const inner = value as ModuleExports;
    if (inner.default !== undefined || inner.policy !== undefined) return inner.default ?? inner.policy;
  }
  return value;
}

/** Checks that a module's export is a Policy: an object of functions named after policy events. */
export function asPolicy(value: unknown, file: string): Policy {
  if (value === null || typeof value !== 'object') {
    throw new ConfigError('policy', file, 'the module must export a Policy object as its default export or as `policy`');
  }
  const unknown = Object.keys(value).filter((k) => !EVENT_NAMES.has(k));
  if (unknown.length > 0) {
    throw new ConfigError('policy', file, `${unknown.map((k) => JSON.stringify(k)).join(', ')} ${unknown.length === 1 ? 'is not a policy event' : 'are not policy events'} (events: ${POLICY_EVENTS.join(', ')})`);
  }
  const notFunctions = Object.entries(value).filter(([, v]) => typeof v !== 'function').map(([k]) => k);
  if (notFunctions.length > 0) throw new ConfigError('policy', file, `${notFunctions.join(', ')} must be a function`);
  return value as Policy;
}

/** The events a policy object handles, in core's order. */
export function policyEvents(policy: Policy): PolicyEventName[] {
  return POLICY_EVENTS.filter((e) => typeof policy[e] === 'function');
}
