import { ConfigError } from '../errors.js';
import { FieldReader, type ConfigInput, type Duration } from './fields.js';
import { UNSPECIFIED } from './queue-config.js';

/** What a `get_egress_pool` hook returns (KumoMTA's `kumo.make_egress_pool`). */
export interface EgressPoolInput {
  name: string;
  /** Sources and their weights (default weight 1). */
  entries: Array<{ name: string; weight?: number }>;
  /** Cache lifetime. Default `"60s"`. */
  ttl?: Duration;
}

export interface EgressPool {
  readonly name: string;
  readonly entries: ReadonlyArray<{ readonly name: string; readonly weight: number }>;
  readonly ttl: number;
}

export function resolveEgressPool(input: EgressPoolInput, prefix = 'egress_pool'): EgressPool {
  const r = new FieldReader(input as unknown as ConfigInput, prefix);
  r.rejectUnknown(new Set(['name', 'entries', 'ttl']));
  const name = r.requiredString('name');
  const entries = r.raw('entries');
  if (!Array.isArray(entries) || entries.length === 0) throw new ConfigError(r.key('entries'), entries, 'must be a non-empty list');
  return {
    name,
    entries: entries.map((e: unknown, i) => {
      const er = new FieldReader(e as ConfigInput, `${r.key('entries')}[${i}]`);
      er.rejectUnknown(new Set(['name', 'weight']));
      return { name: er.requiredString('name'), weight: er.int('weight', 1, 0) };
    }),
    ttl: r.duration('ttl', '60s'),
  };
}

/** The implicit pool: one source, `unspecified`. */
export const UNSPECIFIED_POOL: EgressPool = Object.freeze({
  name: UNSPECIFIED,
  entries: Object.freeze([{ name: UNSPECIFIED, weight: 1 }]),
  ttl: 60_000,
});
