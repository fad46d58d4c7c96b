import type { EgressPathConfig } from '../config/egress-path.js';
import type { QueueConfig } from '../config/queue-config.js';
import type { LimitSpec, RateSpec } from '../config/rate.js';

/**
 * The one naming scheme of shaping limits. The queue's dispatchers take leases and pass throttles
 * under these keys, and `@mtakit/shaping`'s admin views read the same keys, so what an operator
 * inspects is what the queue enforces. Keys are what a `Shaper` is called with (a throttle bucket
 * further adds the spec's text, so a changed rate starts a fresh bucket).
 *
 * | scope | key |
 * |---|---|
 * | path's own limits | `path:<source>-><site>:connections` · `:connection-rate` · `:message-rate` · `:selection-rate` |
 * | named `additional_*` limits (shared by every path naming them) | `connections:<name>` · `message-rate:<name>` · `selection-rate:<name>` |
 * | scheduled queue `max_message_rate` | `queue:<queue name>:message-rate` |
 * | tenant (`tenant_max_message_rate`, `tenant_connection_limit`) | `tenant:<tenant>:message-rate` · `tenant:<tenant>:connections` |
 */
export interface KeyedLimit {
  /** The shaper key. */
  readonly key: string;
  /** The config key it came from, e.g. `connection_limit` or `additional_connection_limits.global`. */
  readonly name: string;
  readonly limit: LimitSpec;
}

export interface KeyedRate {
  readonly key: string;
  readonly name: string;
  readonly spec: RateSpec;
}

/** Every limit of one egress path (source, site), with its key. */
export interface PathLimits {
  /** Leases held for the life of each connection. */
  readonly connections: readonly KeyedLimit[];
  /** Passed before opening a connection. */
  readonly connectionRates: readonly KeyedRate[];
  /** Passed before each message is sent. */
  readonly messageRates: readonly KeyedRate[];
  /** Passed when the egress pool picks this source for a message to the site (warm-up). */
  readonly selectionRates: readonly KeyedRate[];
}

/** The limits of one egress path: its own under `path:<source>-><site>:…`, named ones under `<kind>:<name>`. */
export function pathLimits(source: string, site: string, config: EgressPathConfig): PathLimits {
  const own = (what: string) => `path:${source}->${site}:${what}`;
  const rates = (single: RateSpec | undefined, singleName: string, what: string, named: Readonly<Record<string, RateSpec>>, mapName: string): KeyedRate[] => [
    ...(single ? [{ key: own(what), name: singleName, spec: single }] : []),
    ...Object.entries(named).map(([n, spec]) => ({ key: `${what}:${n}`, name: `${mapName}.${n}`, spec })),
  ];
  return {
    connections: [
      { key: own('connections'), name: 'connection_limit', limit: config.connection_limit },
      ...Object.entries(config.additional_connection_limits).map(([n, limit]) => ({ key: `connections:${n}`, name: `additional_connection_limits.${n}`, limit })),
    ],
    connectionRates: rates(config.max_connection_rate, 'max_connection_rate', 'connection-rate', {}, ''),
    messageRates: rates(config.max_message_rate, 'max_message_rate', 'message-rate', config.additional_message_rate_throttles, 'additional_message_rate_throttles'),
    selectionRates: rates(config.source_selection_rate, 'source_selection_rate', 'selection-rate', config.additional_source_selection_rates, 'additional_source_selection_rates'),
  };
}

/** The limits a scheduled queue's messages pass, besides their path's. */
export interface QueueLimits {
  /** Passed when a due message moves to a ready queue: the queue's and its tenant's message rates. */
  readonly promotionRates: readonly KeyedRate[];
  /** Leases held while one of the queue's messages is being sent: the tenant's connection limit. */
  readonly deliveryLimits: readonly KeyedLimit[];
}

/**
 * The limits of a scheduled queue from its config. Tenant limits need a tenant in the queue name
 * (`tenant@domain`); they are keyed by tenant alone, so every queue of the tenant (each domain and
 * campaign) draws from the same budget.
 */
export function queueLimits(queueName: string, tenant: string | undefined, config: QueueConfig): QueueLimits {
  const promotionRates: KeyedRate[] = [];
  const deliveryLimits: KeyedLimit[] = [];
  if (config.max_message_rate) promotionRates.push({ key: `queue:${queueName}:message-rate`, name: 'max_message_rate', spec: config.max_message_rate });
  if (tenant !== undefined) {
    if (config.tenant_max_message_rate) promotionRates.push({ key: `tenant:${tenant}:message-rate`, name: 'tenant_max_message_rate', spec: config.tenant_max_message_rate });
    if (config.tenant_connection_limit) deliveryLimits.push({ key: `tenant:${tenant}:connections`, name: 'tenant_connection_limit', limit: config.tenant_connection_limit });
  }
  return { promotionRates, deliveryLimits };
}
