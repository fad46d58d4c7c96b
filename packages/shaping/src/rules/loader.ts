import { readFile } from 'node:fs/promises';
import { ConfigError, type ShapingRulesLoader, type ShapingRulesLoadOptions } from '@mtakit/core';
import { parse as parseToml } from 'smol-toml';
import { BUILTIN_SHAPING } from './builtin.js';
import { parseShapingDocument, type ShapingDocument } from './document.js';
import { ShapingRuleSet, type RouteResolver } from './rule-set.js';

/** A shaping file path (`.toml`, `.json`, or either), or a document already in memory (our TS/JSON form). */
export type ShapingSource = string | { readonly name: string; readonly document: unknown };

export interface LoadShapingRulesOptions extends ShapingRulesLoadOptions {
  /** Resolves MX hosts for `mx_rollup` blocks and provider matching (core's `MxResolver` fits). */
  resolver: RouteResolver;
  /** What `noDefaultFiles` leaves out. Default: mtakit's built-in rules (`BUILTIN_SHAPING`). */
  defaults?: readonly ShapingSource[];
}

/**
 * Loads shaping files in order, after the built-in defaults unless `noDefaultFiles`, exactly as
 * KumoMTA's `shaping:setup{ extra_files }` does. Throws a ConfigError for unreadable files and
 * invalid values; everything merely suspicious ends up in `warnings`.
 */
export async function loadShapingRules(sources: readonly ShapingSource[], options: LoadShapingRulesOptions): Promise<ShapingRuleSet> {
  const all = [...(options.noDefaultFiles ? [] : (options.defaults ?? [BUILTIN_SHAPING])), ...sources];
  const warnings: string[] = [];
  const documents: ShapingDocument[] = [];
  for (const source of all) {
    const { name, document } = typeof source === 'string' ? { name: source, document: await readShapingFile(source) } : source;
    documents.push(parseShapingDocument(document, name, warnings));
  }
  return ShapingRuleSet.merge(documents, options.resolver, warnings);
}

/** Core's `ShapingRulesLoader` (what the Lua host's `policy-extras.shaping` calls). */
export class ShapingRulesFileLoader implements ShapingRulesLoader {
  readonly #options: Omit<LoadShapingRulesOptions, 'noDefaultFiles'>;

  constructor(options: Omit<LoadShapingRulesOptions, 'noDefaultFiles'>) {
    this.#options = options;
  }

  load(files: readonly string[], options: ShapingRulesLoadOptions = {}): Promise<ShapingRuleSet> {
    return loadShapingRules(files, { ...this.#options, ...options });
  }
}

/** Reads a file as TOML or JSON by its extension; other names are tried as TOML, then JSON. */
export async function readShapingFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, undefined, `cannot read shaping file: ${(error as Error).message}`, { cause: error });
  }
  const asToml = () => parseToml(text);
  const asJson = () => JSON.parse(text) as unknown;
  const parsers = path.endsWith('.toml') ? [asToml] : path.endsWith('.json') ? [asJson] : [asToml, asJson];
  const problems: string[] = [];
  for (const parse of parsers) {
    try {
      return parse();
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  throw new ConfigError(path, undefined, `not a valid shaping file: ${problems.join('; ')}`);
}
