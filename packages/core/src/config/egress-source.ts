import { ConfigError } from '../errors.js';
import { FieldReader, type ConfigInput, type Duration } from './fields.js';
import { UNSPECIFIED } from './queue-config.js';

/** What a `get_egress_source` hook returns (KumoMTA's `kumo.make_egress_source`). */
export interface EgressSourceInput {
  /** Logged as `egress_source`. Required. */
  name: string;
  /** Local address to bind outgoing connections to. Default: the kernel chooses. */
  source_address?: string;
  /** EHLO name for this source (an egress path's `ehlo_domain` wins). */
  ehlo_domain?: string;
  /** Destination port override; beats the path's `smtp_port` and `mx_list` ports. */
  remote_port?: number;
  /** Cache lifetime of this definition. Default `"60s"`. */
  ttl?: Duration;
}

export interface EgressSource {
  readonly name: string;
  readonly source_address: string | undefined;
  readonly ehlo_domain: string | undefined;
  readonly remote_port: number | undefined;
  readonly ttl: number;
}

const SOURCE_KEYS = new Set(['name', 'source_address', 'ehlo_domain', 'remote_port', 'ttl', 'suspend_when_unplumbed']);

export function resolveEgressSource(input: EgressSourceInput, prefix = 'egress_source'): EgressSource {
  const r = new FieldReader(input as unknown as ConfigInput, prefix);
  r.rejectUnknown(SOURCE_KEYS);
  const remote = r.has('remote_port') ? r.int('remote_port', 25, 1) : undefined;
  if (remote !== undefined && remote > 65535) throw new ConfigError(r.key('remote_port'), remote, 'must be 1-65535');
  return {
    name: r.requiredString('name'),
    source_address: r.string('source_address'),
    ehlo_domain: r.string('ehlo_domain'),
    remote_port: remote,
    ttl: r.duration('ttl', '60s'),
  };
}

/** The implicit source used when no pool is configured: the kernel picks the address. */
export const UNSPECIFIED_SOURCE: EgressSource = Object.freeze({
  name: UNSPECIFIED,
  source_address: undefined,
  ehlo_domain: undefined,
  remote_port: undefined,
  ttl: 60_000,
});
