import { parseRateSpec, type JsonValue } from '@mtakit/core';

/**
 * kumo.compute_queue_config_constraints, compute_egress_path_config_constraints and
 * format_egress_path_config_constraints: the throughput ceilings (messages per second) a queue or
 * egress path config implies, in KumoMTA's shape ({ ceilings = { { value, source, display } } }).
 * mtakit derives them from max_message_rate, and from max_connection_rate ×
 * max_deliveries_per_connection for paths.
 */
export interface Ceiling {
  value: number;
  source: { other: string };
  display: string;
}

function perSecond(spec: unknown): number | undefined {
  if (typeof spec !== 'string') return undefined;
  const rate = parseRateSpec(spec);
  return rate.limit / (rate.periodMs / 1000);
}

function ceiling(value: number, source: string): Ceiling {
  return { value, source: { other: source }, display: `${Number(value.toFixed(3))}/s (${source})` };
}

export function queueConstraints(config: Record<string, JsonValue>): { ceilings: Ceiling[] } {
  const rate = perSecond(config['max_message_rate']);
  return { ceilings: rate === undefined ? [] : [ceiling(rate, 'scheduled queue max_message_rate')] };
}

export function pathConstraints(config: Record<string, JsonValue>, additional?: { ceilings?: Ceiling[] }): { ceilings: Ceiling[] } {
  const ceilings: Ceiling[] = [];
  const messages = perSecond(config['max_message_rate']);
  if (messages !== undefined) ceilings.push(ceiling(messages, 'max_message_rate'));
  const connections = perSecond(config['max_connection_rate']);
  const perConnection = config['max_deliveries_per_connection'];
  if (connections !== undefined && typeof perConnection === 'number') {
    ceilings.push(ceiling(connections * perConnection, 'max_connection_rate × max_deliveries_per_connection'));
  }
  ceilings.push(...(additional?.ceilings ?? []));
  return { ceilings: ceilings.sort((a, b) => a.value - b.value) };
}

export function formatConstraints(constraints: { ceilings?: Ceiling[] }): string {
  const ceilings = constraints.ceilings ?? [];
  return ceilings.length === 0 ? 'no throughput ceiling' : ceilings.map((c) => c.display).join('\n');
}
