import type { EgressPathConfigInput } from '../config/egress-path.js';

/**
 * Loaded traffic-shaping rules (KumoMTA's `shaping.toml` format and its JSON/TS equivalents):
 * the effective egress path config for (routing domain, source, site). Implemented by
 * `@mtakit/shaping`; the Lua host's `policy-extras.shaping` and the example MTA consume it through
 * this interface, so neither imports the shaping package.
 */
export interface ShapingRules {
  /** The merged path config, or undefined when no rule (not even a default block) applies. */
  egressPathConfig(routingDomain: string, egressSource: string, siteName: string): Promise<EgressPathConfigInput | undefined>;
  /** Problems found while loading (unknown keys, overlapping rollups…), one line each. */
  readonly warnings: readonly string[];
}

export interface ShapingRulesLoadOptions {
  /** Do not load the built-in default rules first (KumoMTA's `no_default_files`). */
  noDefaultFiles?: boolean;
}

export interface ShapingRulesLoader {
  /** Loads files in order (later files override earlier ones, per KumoMTA's merge rules). */
  load(files: readonly string[], options?: ShapingRulesLoadOptions): Promise<ShapingRules>;
}
