import { MtaKitError, type EgressPathConfigInput, type ShapingRules } from '@mtakit/core';
import type { AutomationRule } from '../automation/rule.js';
import {
  normalizeName, PROVIDER_SOURCE_SELECTION_RATE, type EntryBlock, type ProviderEntry, type ProviderMatch, type ShapingDocument,
} from './document.js';
import { ParamSet, type MergeStep, type Origin } from './params.js';

/**
 * How the rules learn a domain's MX hosts and site name. Core's `MxResolver` fits; tests pass a
 * table. Errors follow core: `E_NULL_MX`, `E_DNS_NXDOMAIN`, `E_DNS`.
 */
export interface RouteResolver {
  route(domain: string): Promise<{ readonly hosts: ReadonlyArray<{ readonly name: string }>; readonly siteName: string }>;
}

/** A temporary override of one path parameter (an automation SetConfig effect). */
export interface ConfigOverride {
  /** `site`: applied with the site's per-source overrides; `domain`: with the domain's. */
  readonly scope: 'site' | 'domain';
  readonly name: string;
  readonly value: unknown;
  readonly origin: Origin;
}

/** Where an effective value came from. */
export interface ValueSource extends Origin {
  readonly step: MergeStep;
}

export interface ResolvedPath {
  /** The merged config; undefined when no block at all applied. */
  readonly config: EgressPathConfigInput | undefined;
  /** For every key (map entries as `map.name`): the file, block and merge step that set it. */
  readonly sources: Readonly<Record<string, ValueSource>>;
  /** Providers whose match rules took this domain, in merge order. */
  readonly providers: readonly string[];
}

/** A rule that may apply to a (domain, site), and whether its effects roll up to the whole site. */
export interface CandidateRule {
  readonly rule: AutomationRule;
  readonly rollup: boolean;
}

interface MergedEntry {
  params: ParamSet;
  sources: Map<string, ParamSet>;
  automation: AutomationRule[];
}

interface MergedProvider extends MergedEntry {
  readonly name: string;
  readonly origin: Origin;
  match: ProviderMatch[];
  connectionLimit: ProviderEntry['connectionLimit'];
  maxMessageRate: ProviderEntry['maxMessageRate'];
}

/**
 * Shaping rules merged from several documents, answering `get_egress_path_config` with KumoMTA's
 * merge order (reference §6.2): default → matching providers → provider+source → site block →
 * domain block → site+source → domain+source. Within a step, later files win; the
 * `additional_*` maps merge entry by entry; `replace_base = true` discards what came before.
 */
export class ShapingRuleSet implements ShapingRules {
  readonly warnings: readonly string[];
  /** Files and documents merged, in order. */
  readonly files: readonly string[];
  readonly #resolver: RouteResolver;
  readonly #default: MergedEntry | undefined;
  readonly #bySite: Map<string, MergedEntry>;
  readonly #byDomain: Map<string, MergedEntry>;
  readonly #providers: MergedProvider[];

  private constructor(resolver: RouteResolver, files: string[], warnings: string[], merged: Merged) {
    this.#resolver = resolver;
    this.files = files;
    this.warnings = warnings;
    this.#default = merged.default;
    this.#bySite = merged.bySite;
    this.#byDomain = merged.byDomain;
    this.#providers = [...merged.providers.values()];
  }

  /**
   * Merges parsed documents in order. Domain blocks with `mx_rollup` (the default) are resolved to
   * their site now; a domain whose MX lookup fails or is a null MX is skipped with a warning.
   */
  static async merge(documents: readonly ShapingDocument[], resolver: RouteResolver, warnings: string[] = []): Promise<ShapingRuleSet> {
    const sites = new Map<string, Promise<string | undefined>>();
    for (const doc of documents) {
      for (const d of doc.domains) {
        if (d.mxRollup && !sites.has(d.name)) sites.set(d.name, siteOf(resolver, d.name, doc.file, warnings));
      }
    }
    const siteOfDomain = new Map<string, string | undefined>();
    for (const [domain, site] of sites) siteOfDomain.set(domain, await site);

    const merged: Merged = { default: undefined, bySite: new Map(), byDomain: new Map(), providers: new Map() };
    const aliases = new Map<string, Set<string>>();
    for (const doc of documents) {
      if (doc.default) merged.default = mergeEntry(merged.default, doc.default);
      for (const d of doc.domains) {
        if (!d.mxRollup) {
          merged.byDomain.set(d.name, mergeEntry(merged.byDomain.get(d.name), d));
          continue;
        }
        const site = siteOfDomain.get(d.name);
        if (site === undefined) continue;
        merged.bySite.set(site, mergeEntry(merged.bySite.get(site), d));
        aliases.set(site, (aliases.get(site) ?? new Set()).add(d.name));
      }
      for (const p of doc.providers) merged.providers.set(p.name, mergeProvider(merged.providers.get(p.name), p));
    }
    for (const [site, domains] of aliases) {
      if (domains.size > 1) warnings.push(`blocks for ${[...domains].join(', ')} all roll up to site ${site}; their settings were merged in file order`);
    }
    return new ShapingRuleSet(resolver, documents.map((d) => d.file), warnings, merged);
  }

  async egressPathConfig(routingDomain: string, egressSource: string, siteName: string): Promise<EgressPathConfigInput | undefined> {
    return (await this.resolve(routingDomain, egressSource, siteName)).config;
  }

  /** The effective config with the origin of each value; `overrides` are active automation effects. */
  async resolve(domain: string, source: string, site: string, overrides: readonly ConfigOverride[] = []): Promise<ResolvedPath> {
    const name = normalizeName(domain);
    const acc = new ParamSet();
    let applied = false;
    const apply = (params: ParamSet | undefined, step: MergeStep) => {
      if (!params) return;
      acc.mergeFrom(params, step);
      applied = true;
    };
    apply(this.#default?.params, 'default');
    const providers = await this.providersFor(name);
    for (const p of providers) {
      apply(p.params, 'provider');
      applyProviderLimits(acc, p, source, 'provider');
    }
    for (const p of providers) {
      const params = p.sources.get(source);
      if (!params) continue;
      apply(params, 'provider+source');
      applyProviderLimits(acc, p, source, 'provider+source');
    }
    const siteEntry = this.#bySite.get(site);
    const domainEntry = this.#byDomain.get(name);
    apply(siteEntry?.params, 'site');
    apply(domainEntry?.params, 'domain');
    apply(siteEntry?.sources.get(source), 'site+source');
    apply(overrideSet(overrides, 'site'), 'automation');
    apply(domainEntry?.sources.get(source), 'domain+source');
    apply(overrideSet(overrides, 'domain'), 'automation');
    const sources: Record<string, ValueSource> = {};
    for (const [key, s] of Object.entries(acc.provenance())) sources[key] = { ...s.origin, step: s.step ?? 'default' };
    return { config: applied ? acc.toInput() : undefined, sources, providers: providers.map((p) => p.name) };
  }

  /**
   * Automation rules that may apply to a delivery to `domain` over `site`: the default block's
   * (always site-wide), matching providers', the site block's (site-wide) and the domain block's.
   */
  async candidateRules(domain: string, site: string): Promise<CandidateRule[]> {
    const name = normalizeName(domain);
    const out: CandidateRule[] = [];
    const add = (rules: readonly AutomationRule[] | undefined, rollup: boolean) => {
      for (const rule of rules ?? []) out.push({ rule, rollup });
    };
    add(this.#default?.automation, true);
    for (const p of await this.providersFor(name)) add(p.automation, false);
    add(this.#bySite.get(site)?.automation, true);
    add(this.#byDomain.get(name)?.automation, false);
    return out;
  }

  /** Every automation rule, once (for validation and docs). */
  allRules(): AutomationRule[] {
    const entries = [this.#default, ...this.#bySite.values(), ...this.#byDomain.values(), ...this.#providers];
    return entries.flatMap((e) => e?.automation ?? []);
  }

  /** Providers whose match rules take `domain` (all of its MX hosts must match for MX rules). */
  async providersFor(domain: string): Promise<MergedProvider[]> {
    if (!isDomainName(domain)) return [];
    let hosts: string[] | undefined | null = null;
    const out: MergedProvider[] = [];
    for (const p of this.#providers) {
      if (p.match.some((m) => m.kind === 'DomainSuffix' && domain.endsWith(m.value))) {
        out.push(p);
        continue;
      }
      if (!p.match.some((m) => m.kind !== 'DomainSuffix')) continue;
      // A domain that does not resolve matches no MX rule (it may be routed by other means).
      if (hosts === null) hosts = await this.#resolver.route(domain).then((r) => r.hosts.map((h) => normalizeName(h.name)), () => undefined);
      if (hosts && hosts.length > 0 && hosts.every((h) => p.match.some((m) => hostMatches(m, h)))) out.push(p);
    }
    return out;
  }
}

interface Merged {
  default: MergedEntry | undefined;
  bySite: Map<string, MergedEntry>;
  byDomain: Map<string, MergedEntry>;
  providers: Map<string, MergedProvider>;
}

function hostMatches(m: ProviderMatch, host: string): boolean {
  if (m.kind === 'MXSuffix') return host.endsWith(m.value);
  if (m.kind === 'HostName') return host === m.value;
  return false;
}

/** Adds a provider's shared limits (named per provider and source) and consumes its selection rate. */
function applyProviderLimits(acc: ParamSet, p: MergedProvider, source: string, step: MergeStep): void {
  const implied = new ParamSet();
  implied.set('provider_name', p.name, p.origin);
  const prefix = `shaping-provider-${p.name}-${source}`;
  if (p.connectionLimit) implied.setEntry('additional_connection_limits', `${prefix}-limit`, p.connectionLimit.value, p.connectionLimit.origin);
  if (p.maxMessageRate) implied.setEntry('additional_message_rate_throttles', `${prefix}-rate`, p.maxMessageRate.value, p.maxMessageRate.origin);
  const selection = acc.take(PROVIDER_SOURCE_SELECTION_RATE);
  if (selection) implied.setEntry('additional_source_selection_rates', `${prefix}-selection-rate`, selection.value, selection.origin);
  acc.mergeFrom(implied, step);
}

function overrideSet(overrides: readonly ConfigOverride[], scope: ConfigOverride['scope']): ParamSet | undefined {
  const mine = overrides.filter((o) => o.scope === scope);
  if (mine.length === 0) return undefined;
  const set = new ParamSet();
  for (const o of mine) set.set(o.name, o.value, o.origin);
  return set;
}

function mergeEntry(into: MergedEntry | undefined, next: EntryBlock): MergedEntry {
  const target: MergedEntry = into ?? { params: new ParamSet(), sources: new Map(), automation: [] };
  if (next.replaceBase) {
    target.params = new ParamSet();
    target.sources = new Map();
    target.automation = [];
  }
  target.params.mergeFrom(next.params);
  for (const [source, params] of next.sources) {
    const mine = target.sources.get(source);
    if (mine) mine.mergeFrom(params);
    else target.sources.set(source, params.clone());
  }
  target.automation.push(...next.automation);
  return target;
}

function mergeProvider(into: MergedProvider | undefined, next: ProviderEntry): MergedProvider {
  if (!into || next.replaceBase) {
    return {
      ...mergeEntry(undefined, next),
      name: next.name,
      origin: into?.origin ?? next.origin,
      match: [...next.match],
      connectionLimit: next.connectionLimit,
      maxMessageRate: next.maxMessageRate,
    };
  }
  mergeEntry(into, next);
  into.match.push(...next.match);
  into.connectionLimit = next.connectionLimit ?? into.connectionLimit;
  into.maxMessageRate = next.maxMessageRate ?? into.maxMessageRate;
  return into;
}

async function siteOf(resolver: RouteResolver, domain: string, file: string, warnings: string[]): Promise<string | undefined> {
  try {
    const { siteName } = await resolver.route(domain);
    if (siteName) return siteName;
    warnings.push(`${file}: ["${domain}"] has no MX hosts; its block is ignored (set mx_rollup = false to apply it to the domain itself)`);
  } catch (error) {
    const why = error instanceof MtaKitError && error.code === 'E_NULL_MX' ? 'publishes a null MX' : `could not be resolved (${(error as Error).message})`;
    warnings.push(`${file}: ["${domain}"] ${why}; its block is ignored (set mx_rollup = false to apply it to the domain itself)`);
  }
  return undefined;
}

const LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
const DOMAIN_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*\\.?$`, 'i');

/** Provider rules only consider real domain names (not e.g. an HTTP log-hook queue name). */
export function isDomainName(name: string): boolean {
  return name.length <= 253 && DOMAIN_NAME.test(name);
}
