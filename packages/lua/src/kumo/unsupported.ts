import { POLICY_EVENTS } from '@mtakit/core';
import { KUMO_FUNCTIONS } from './compat.js';

/**
 * What to tell a policy author who uses an event or a `kumo.*` function mtakit does not have: the
 * supported way to get the same result. Pure data and lookups; the kumo module raises the errors.
 */

/** Events run while the policy loads, besides core's policy events. */
export const LOAD_EVENTS = ['pre_init', 'init'] as const;
export type LoadEvent = (typeof LOAD_EVENTS)[number];

const SENDING_IPS = 'choose sending IPs with egress sources (kumo.make_egress_source{ source_address = ... }) grouped in pools (kumo.make_egress_pool), selected per queue by egress_pool in kumo.make_queue_config';
const RATES = 'set max_message_rate in kumo.make_queue_config or kumo.make_egress_path, or use traffic shaping rules (policy-extras.shaping)';
const ADAPTIVE = 'delivery outcomes are log records; adapt throttles with traffic shaping automation rules ([[automation]] blocks of the shaping files loaded by policy-extras.shaping), or react to transient failures in requeue_message';
const NO_NETWORK = 'policies have no network access; give the data to the policy through a file in an allowed directory or a host provider';

const EVENT_EQUIVALENTS: Readonly<Record<string, string>> = {
  smtp_server_greeting: `not a KumoMTA event: use smtp_server_connection_accepted (per connection) or smtp_server_ehlo (HELO/EHLO); ${SENDING_IPS}`,
  smtp_delivery_result: `not a KumoMTA event: ${ADAPTIVE}`,
  smtp_server_data: 'use smtp_server_message_received (it runs once per recipient)',
  smtp_server_split_transaction: 'mtakit always splits a transaction per recipient; use smtp_server_message_received',
  smtp_server_message_deferred_inject: 'use smtp_server_message_received',
  smtp_server_get_dynamic_parameters: 'give listener options to kumo.start_esmtp_listener',
  smtp_server_rewrite_response: 'refuse with kumo.reject(code, text) in the hook that decides',
  throttle_insert_ready_queue: RATES,
  message_requeued: 'the event is called requeue_message',
  xfer_message_received: 'moving messages between nodes is not supported',
  get_acl_definition: 'HTTP authorization is configured by the host application',
  shutdown_logging: 'log consumers are closed by the host application',
  tsa_init: 'traffic shaping automation runs inside the host; its rules come from the shaping files (policy-extras.shaping)',
  tsa_load_shaping_data: 'traffic shaping automation runs inside the host; its rules come from the shaping files (policy-extras.shaping)',
  validate_config: 'run checkPolicy (mtakit policy check FILE) to validate a policy',
};

/** Names of kumod modules and non-KumoMTA helpers policies try; KumoMTA's own functions are in compat.ts. */
const FUNCTION_EQUIVALENTS: Readonly<Record<string, string>> = {
  set_sending_ip: SENDING_IPS,
  limit_sending: RATES,
  api: 'admin operations (suspend, bounce, rebind) are HTTP endpoints of the host',
  http: NO_NETWORK,
  smtp: NO_NETWORK,
  dns: NO_NETWORK,
  amqp: NO_NETWORK,
  kafka: NO_NETWORK,
  nats: NO_NETWORK,
  redis: NO_NETWORK,
  sqlite: NO_NETWORK,
  fs: 'file access is limited to kumo.toml_load, kumo.json_load, kumo.read_dir and kumo.glob below the allowed directories',
};

export function isSupportedEvent(name: string): boolean {
  return (POLICY_EVENTS as readonly string[]).includes(name) || (LOAD_EVENTS as readonly string[]).includes(name);
}

/** A name with a dot (`my.task`) is a policy's own event, run by kumo.spawn_task, as in KumoMTA. */
export function isTaskEvent(name: string): boolean {
  return /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$/.test(name);
}

/** The explanation for an event name `kumo.on` does not support. */
export function unsupportedEventMessage(name: string): string {
  const equivalent = EVENT_EQUIVALENTS[name];
  if (equivalent) return `event '${name}' is not supported: ${equivalent}`;
  const near = closest(name, [...POLICY_EVENTS, ...LOAD_EVENTS]);
  return `event '${name}' is not supported${near ? ` (did you mean '${near}'?)` : ''}; see docs/lua.md for the events mtakit provides`;
}

/** The explanation for a `kumo.*` name mtakit does not provide (`path` like `kumo.dns.lookup_mx`). */
export function unsupportedFunctionMessage(path: string): string {
  const parts = path.split('.');
  const refused = parts.length === 2 ? KUMO_FUNCTIONS.find((f) => f.name === parts[1] && f.status === 'refused')?.note : undefined;
  const equivalent = refused ?? FUNCTION_EQUIVALENTS[parts[1] ?? ''] ?? FUNCTION_EQUIVALENTS[parts[parts.length - 1] ?? ''];
  return `${path} is not supported by mtakit${equivalent ? `: ${equivalent}` : '; see docs/lua.md for the supported kumo.* functions'}`;
}

/** Why an accepted-but-inert kumod setting does nothing (compat.ts lists them), or undefined if `name` is not one. */
export function inertFunctionReason(name: string): string | undefined {
  const entry = KUMO_FUNCTIONS.find((f) => f.name === name);
  return entry?.status === 'inert' ? entry.note : undefined;
}

/** The candidate nearest to `name` by edit distance, if it is close enough to be a typo. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 4)) + 1;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((row[j - 1] as number) + 1, (previous[j] as number) + 1, (previous[j - 1] as number) + cost));
    }
    previous = row;
  }
  return previous[b.length] as number;
}
