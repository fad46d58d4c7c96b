import type { EgressPathConfigInput } from '@mtakit/core';

/** Where a setting was written: the file (or built-in document) and the block inside it. */
export interface Origin {
  readonly file: string;
  /** The block in TOML notation, e.g. `["comcast.net"]`, `[provider."google".sources."ip-1"]`. */
  readonly block: string;
}

/** The merge step that applied a setting (reference §6.2), plus automation and warm-up overlays. */
export type MergeStep =
  | 'default' | 'provider' | 'provider+source' | 'site' | 'domain' | 'site+source' | 'domain+source'
  | 'automation' | 'warmup';

export interface Setting {
  readonly value: unknown;
  readonly origin: Origin;
  /** Set once the setting has been applied to an effective config. */
  readonly step?: MergeStep;
}

/**
 * These maps merge entry by entry across blocks (KumoMTA's rule): they exist to build limits
 * shared across paths, so a later block adds names instead of discarding earlier ones.
 */
export const MERGEABLE_MAPS: ReadonlySet<string> = new Set([
  'additional_connection_limits', 'additional_message_rate_throttles', 'additional_source_selection_rates',
]);

/** Path parameters with the origin of each value (and of each entry of the mergeable maps). */
export class ParamSet {
  readonly #values = new Map<string, Setting>();
  readonly #maps = new Map<string, Map<string, Setting>>();

  static from(table: Readonly<Record<string, unknown>>, origin: Origin): ParamSet {
    const set = new ParamSet();
    for (const [key, value] of Object.entries(table)) set.set(key, value, origin);
    return set;
  }

  get size(): number {
    return this.#values.size + this.#maps.size;
  }

  set(key: string, value: unknown, origin: Origin): void {
    if (MERGEABLE_MAPS.has(key) && isTable(value)) {
      this.#values.delete(key);
      this.#maps.set(key, new Map(Object.entries(value).map(([name, v]) => [name, { value: v, origin }])));
    } else {
      this.#maps.delete(key);
      this.#values.set(key, { value, origin });
    }
  }

  /** Adds one entry to a mergeable map. */
  setEntry(map: string, name: string, value: unknown, origin: Origin): void {
    let entries = this.#maps.get(map);
    if (!entries) this.#maps.set(map, (entries = new Map()));
    entries.set(name, { value, origin });
  }

  /** Removes a plain (non-map) key and returns what it held. */
  take(key: string): Setting | undefined {
    const setting = this.#values.get(key);
    this.#values.delete(key);
    return setting;
  }

  /** Later wins for plain keys; mergeable maps merge entry by entry. `step` stamps what is copied. */
  mergeFrom(other: ParamSet, step?: MergeStep): void {
    const stamp = (s: Setting): Setting => (step ? { ...s, step } : s);
    for (const [key, setting] of other.#values) {
      this.#maps.delete(key);
      this.#values.set(key, stamp(setting));
    }
    for (const [key, entries] of other.#maps) {
      this.#values.delete(key);
      let mine = this.#maps.get(key);
      if (!mine) this.#maps.set(key, (mine = new Map()));
      for (const [name, setting] of entries) mine.set(name, stamp(setting));
    }
  }

  clone(): ParamSet {
    const copy = new ParamSet();
    copy.mergeFrom(this);
    return copy;
  }

  /** The plain config object a `get_egress_path_config` hook returns. */
  toInput(): EgressPathConfigInput {
    const out: Record<string, unknown> = {};
    for (const [key, { value }] of this.#values) out[key] = value;
    for (const [key, entries] of this.#maps) out[key] = Object.fromEntries([...entries].map(([n, s]) => [n, s.value]));
    return out as EgressPathConfigInput;
  }

  /** Which file, block and step set each value; map entries are listed as `map.name`. */
  provenance(): Record<string, Setting> {
    const out: Record<string, Setting> = {};
    for (const [key, setting] of this.#values) out[key] = setting;
    for (const [key, entries] of this.#maps) for (const [name, setting] of entries) out[`${key}.${name}`] = setting;
    return out;
  }
}

export function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
