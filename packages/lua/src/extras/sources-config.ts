import { ConfigError, type EgressPoolInput, type EgressSourceInput } from '@mtakit/core';
import { validateConfig } from '../kumo/config-objects.js';

/**
 * The data behind `policy-extras.sources` (KumoMTA's sources.toml): `[source."NAME"]` tables of
 * egress source options and `[pool."POOL"."SOURCE"]` tables (optional `weight`) listing each pool's
 * sources. Later files add to and override earlier ones.
 */
export interface SourcesData {
  sources: Record<string, EgressSourceInput>;
  pools: Record<string, EgressPoolInput>;
  /** Pools naming sources no file defines. */
  warnings: string[];
}

type Block = Record<string, unknown>;

function table(v: unknown, where: string): Block {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(where, v, 'must be a table');
  return v as Block;
}

export function mergeSourcesFiles(files: ReadonlyArray<{ name: string; data: unknown }>): SourcesData {
  const sources: Record<string, EgressSourceInput> = {};
  const pools: Record<string, EgressPoolInput> = {};
  for (const { name: file, data } of files) {
    for (const [key, value] of Object.entries(table(data, file))) {
      if (key === 'source') {
        for (const [name, params] of Object.entries(table(value, `${file}: source`))) {
          sources[name] = { ...sources[name], ...table(params, `${file}: source.${name}`), name } as EgressSourceInput;
        }
      } else if (key === 'pool') {
        for (const [pool, members] of Object.entries(table(value, `${file}: pool`))) {
          const entries = pools[pool]?.entries.slice() ?? [];
          for (const [source, params] of Object.entries(table(members, `${file}: pool.${pool}`))) {
            const entry = { ...table(params, `${file}: pool.${pool}.${source}`), name: source };
            const at = entries.findIndex((e) => e.name === source);
            if (at === -1) entries.push(entry);
            else entries[at] = entry;
          }
          pools[pool] = { name: pool, entries };
        }
      } else {
        throw new ConfigError(`${file}: ${key}`, value, 'is not a sources helper table (expected [source."NAME"] or [pool."NAME"])');
      }
    }
  }
  for (const [name, source] of Object.entries(sources)) wrap(`source.${name}`, source, () => validateConfig('egress_source', source));
  const warnings: string[] = [];
  for (const [name, pool] of Object.entries(pools)) {
    wrap(`pool.${name}`, pool, () => validateConfig('egress_pool', pool));
    for (const entry of pool.entries) {
      if (!sources[entry.name]) warnings.push(`policy-extras.sources: pool '${name}' names source '${entry.name}', which no file defines`);
    }
  }
  return { sources, pools, warnings };
}

function wrap(where: string, value: unknown, validate: () => void): void {
  try {
    validate();
  } catch (error) {
    throw new ConfigError(where, value, (error as Error).message, { cause: error });
  }
}
