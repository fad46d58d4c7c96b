import {
  ConfigError, EGRESS_PATH_KEYS, parseLimitSpec, parseRateSpec, resolveEgressPathConfig,
} from '@mtakit/core';
import { parseAutomationRule, type AutomationRule } from '../automation/rule.js';
import { isTable, ParamSet, type Origin, type Setting } from './params.js';

/** What every block may hold: path parameters, per-source overrides and automation rules. */
export interface EntryBlock {
  readonly origin: Origin;
  params: ParamSet;
  sources: Map<string, ParamSet>;
  automation: AutomationRule[];
  readonly replaceBase: boolean;
}

export interface DomainEntry extends EntryBlock {
  readonly name: string;
  /** True (the default): the block applies to the domain's site, i.e. every domain sharing its MX hosts. */
  readonly mxRollup: boolean;
}

export type ProviderMatch =
  | { readonly kind: 'MXSuffix'; readonly value: string }
  | { readonly kind: 'DomainSuffix'; readonly value: string }
  | { readonly kind: 'HostName'; readonly value: string };

export interface ProviderEntry extends EntryBlock {
  readonly name: string;
  match: ProviderMatch[];
  /** `provider_connection_limit`: one connection limit shared by every site of the provider (per source). */
  connectionLimit: Setting | undefined;
  /** `provider_max_message_rate`: one message rate shared by every site of the provider (per source). */
  maxMessageRate: Setting | undefined;
}

/** One shaping file (or built-in document), parsed and validated but not yet merged. */
export interface ShapingDocument {
  readonly file: string;
  readonly default: EntryBlock | undefined;
  readonly domains: DomainEntry[];
  readonly providers: ProviderEntry[];
}

/** A key of provider blocks (and their sources) that becomes a named selection rate. */
export const PROVIDER_SOURCE_SELECTION_RATE = 'provider_source_selection_rate';
const MATCH_KINDS = ['MXSuffix', 'DomainSuffix', 'HostName'] as const;
const ENTRY_KEYS = new Set(['automation', 'sources', 'replace_base']);
const DOMAIN_KEYS = new Set([...ENTRY_KEYS, 'mx_rollup']);
const PROVIDER_KEYS = new Set([...ENTRY_KEYS, 'match', 'provider_connection_limit', 'provider_max_message_rate']);

/**
 * Reads a shaping document in KumoMTA's layout: `default`, one table per domain, and `provider`.
 * Unknown keys are reported in `warnings` (file and block named) and left out; invalid values
 * throw a ConfigError whose key is `<file>:<block>.<key>`.
 */
export function parseShapingDocument(doc: unknown, file: string, warnings: string[]): ShapingDocument {
  if (!isTable(doc)) throw new ConfigError(file, doc, 'a shaping document must be a table of blocks');
  let defaultBlock: EntryBlock | undefined;
  const domains: DomainEntry[] = [];
  const providers: ProviderEntry[] = [];
  const reader = new BlockReader(file, warnings);
  for (const [name, body] of Object.entries(doc)) {
    if (name === 'provider') {
      if (!isTable(body)) throw new ConfigError(`${file}:provider`, body, 'must be a table of [provider."name"] blocks');
      for (const [provider, pBody] of Object.entries(body)) providers.push(reader.provider(provider, pBody));
      continue;
    }
    if (!isTable(body)) {
      warnings.push(`${file}: top-level key "${name}" is not a block; ignored`);
      continue;
    }
    if (name === 'default') {
      defaultBlock = reader.entry(`[${q('default')}]`, body, DOMAIN_KEYS, new Set(), 'default');
      if (defaultBlock.sources.size > 0) {
        warnings.push(`${file}: ["default"].sources is never applied (KumoMTA applies per-source overrides of domains, sites and providers only)`);
      }
      continue;
    }
    if (!name.includes('.') && !name.includes(':')) {
      warnings.push(`${file}: block [${q(name)}] is a single DNS label; quote dotted domain names in TOML, like ["${name}.com"], or the dots make nested tables`);
    }
    const block = `[${q(name)}]`;
    const entry = reader.entry(block, body, DOMAIN_KEYS, new Set(), name);
    domains.push({ ...entry, name: name.toLowerCase(), mxRollup: reader.bool(block, body, 'mx_rollup', true) });
  }
  return { file, default: defaultBlock, domains, providers };
}

class BlockReader {
  constructor(
    private readonly file: string,
    private readonly warnings: string[],
  ) {}

  entry(block: string, body: Record<string, unknown>, ownKeys: ReadonlySet<string>, extraParams: ReadonlySet<string>, sourceBase: string, providerBlock = false): EntryBlock {
    const origin = { file: this.file, block };
    const sources = new Map<string, ParamSet>();
    const rawSources = body.sources;
    if (rawSources !== undefined) {
      if (!isTable(rawSources)) throw new ConfigError(this.#key(block, 'sources'), rawSources, 'must be a table of per-source tables');
      for (const [source, table] of Object.entries(rawSources)) {
        const sourceBlock = `[${providerBlock ? `provider.${q(sourceBase)}` : q(sourceBase)}.sources.${q(source)}]`;
        if (!isTable(table)) throw new ConfigError(`${this.file}:${sourceBlock}`, table, 'must be a table of path parameters');
        sources.set(source, this.params(sourceBlock, table, new Set(), extraParams));
      }
    }
    const rawRules = body.automation ?? [];
    if (!Array.isArray(rawRules)) throw new ConfigError(this.#key(block, 'automation'), rawRules, 'must be a list of [[automation]] rules');
    return {
      origin,
      params: this.params(block, body, ownKeys, extraParams),
      sources,
      automation: rawRules.map((rule, i) => parseAutomationRule(rule, origin, i, this.warnings)),
      replaceBase: this.bool(block, body, 'replace_base', false),
    };
  }

  provider(name: string, body: unknown): ProviderEntry {
    const block = `[provider.${q(name)}]`;
    if (!isTable(body)) throw new ConfigError(`${this.file}:${block}`, body, 'must be a table');
    const extra = new Set([PROVIDER_SOURCE_SELECTION_RATE]);
    const entry = this.entry(block, body, PROVIDER_KEYS, extra, name, true);
    const match = this.match(block, body.match);
    if (match.length === 0) {
      this.warnings.push(`${this.file}: ${block} has no match rules, so it applies to no domain unless another file adds match=[...] for "${name}"`);
    }
    const origin = entry.origin;
    const connectionLimit = this.#validated(block, body, 'provider_connection_limit', (v) => parseLimitSpec(v as number | string));
    const maxMessageRate = this.#validated(block, body, 'provider_max_message_rate', (v) => parseRateSpec(v as string));
    return {
      ...entry,
      name,
      match,
      connectionLimit: connectionLimit === undefined ? undefined : { value: connectionLimit, origin },
      maxMessageRate: maxMessageRate === undefined ? undefined : { value: maxMessageRate, origin },
    };
  }

  bool(block: string, body: Record<string, unknown>, key: string, fallback: boolean): boolean {
    const v = body[key] ?? fallback;
    if (typeof v !== 'boolean') throw new ConfigError(this.#key(block, key), v, 'must be true or false');
    return v;
  }

  /** Path parameters of a block: unknown keys warned about and dropped, values validated. */
  params(block: string, body: Record<string, unknown>, ownKeys: ReadonlySet<string>, extraParams: ReadonlySet<string>): ParamSet {
    const path: Record<string, unknown> = {};
    const kept: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(body)) {
      if (ownKeys.has(key)) continue;
      if (EGRESS_PATH_KEYS.has(key)) path[key] = kept[key] = value;
      else if (extraParams.has(key)) kept[key] = value;
      else this.warnings.push(`${this.file}: ${block}: unknown key "${key}" ignored`);
    }
    resolveEgressPathConfig(path, `${this.file}:${block}`);
    if (kept[PROVIDER_SOURCE_SELECTION_RATE] !== undefined) {
      this.#validated(block, kept, PROVIDER_SOURCE_SELECTION_RATE, (v) => parseRateSpec(v as string));
    }
    return ParamSet.from(kept, { file: this.file, block });
  }

  match(block: string, raw: unknown): ProviderMatch[] {
    if (raw === undefined) return [];
    const list = Array.isArray(raw) ? raw : [raw];
    return list.map((item, i) => {
      const entries = isTable(item) ? Object.entries(item) : [];
      const [kind, value] = entries[0] ?? [];
      if (entries.length !== 1 || !(MATCH_KINDS as readonly string[]).includes(kind as string) || typeof value !== 'string') {
        throw new ConfigError(this.#key(block, `match[${i}]`), item, 'expected {MXSuffix="..."}, {DomainSuffix="..."} or {HostName="..."}');
      }
      return { kind, value: normalizeName(value) } as ProviderMatch;
    });
  }

  #validated<T>(block: string, body: Record<string, unknown>, key: string, parse: (v: unknown) => T): unknown {
    const v = body[key];
    if (v === undefined) return undefined;
    try {
      parse(v);
    } catch (error) {
      throw new ConfigError(this.#key(block, key), v, (error as Error).message, { cause: error });
    }
    return v;
  }

  #key(block: string, key: string): string {
    return `${this.file}:${block}.${key}`;
  }
}

/**
 * DNS names compare without case and without the root dot. (KumoMTA compares suffixes as written,
 * so a suffix written with a trailing dot never matches there; we treat it as the same name.)
 */
export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function q(name: string): string {
  return JSON.stringify(name);
}
