import {
  ConfigError, formatQueueName, MtaKitError, pathLimits, queueLimits, resolveEgressPathConfig, resolveQueueConfig, UNSPECIFIED,
  type Clock, type MessageInspection, type Policy, type Spool,
} from '@mtakit/core';
import type { MxResolver } from '@mtakit/core/dns';
import type { HeldMessages } from '../held/held-messages.js';
import { readyQueueName } from '../ready/ready-queues.js';
import type { PolicyConfigs } from '../routing/policy-configs.js';
import { routeFor } from '../routing/routes.js';
import { ScheduledQueue } from '../scheduled/scheduled-queue.js';
import type { Scheduler } from '../scheduled/scheduler.js';
import type { AdminState } from './admin-state.js';
import { entry, type EgressPathResolution, type ScheduledQueueInspection } from './views.js';

export interface InspectDeps {
  clock: Clock;
  spool: Spool;
  policy: Policy;
  resolver: MxResolver;
  configs: PolicyConfigs;
  scheduler: Scheduler;
  held: HeldMessages;
  state: AdminState;
}

/** A message as the spool has it (`/api/admin/inspect-message/v1`). */
export async function inspectMessage(d: InspectDeps, id: string, wantBody = false): Promise<MessageInspection> {
  const message = await d.spool.load(id);
  return {
    id,
    message: {
      sender: message.sender, recipient: [message.recipient], meta: message.meta, num_attempts: message.numAttempts,
      due: message.due === undefined ? null : new Date(message.due).toISOString(), held: d.held.has(id),
      ...(wantBody ? { data: message.getData().toString('utf8') } : {}),
    },
  };
}

/** A scheduled queue's config and its next messages (`/api/admin/inspect-sched-q/v1`). */
export async function inspectScheduledQueue(d: InspectDeps, name: string, options: { wantBody?: boolean; limit?: number } = {}): Promise<ScheduledQueueInspection> {
  const q = d.scheduler.get(name);
  if (!q) throw new MtaKitError('E_NOT_FOUND', `no scheduled queue named ${JSON.stringify(name)}`);
  const entries = [...q.entries.values()].sort((a, b) => a.due - b.due).slice(0, options.limit ?? 20);
  const messages = [];
  for (const e of entries) {
    try {
      messages.push(await inspectMessage(d, e.id, options.wantBody));
    } catch {
      // removed meanwhile
    }
  }
  const suspended = d.state.suspensionOf(q);
  return {
    queue_name: name, queue_config: q.config ?? (await d.configs.queue(q)), now: new Date(d.clock.now()).toISOString(),
    num_scheduled: q.size, suspended: suspended ? entry(suspended, suspended.data) : null, messages,
  };
}

export interface ResolveEgressPathRequest {
  domain: string;
  source?: string | undefined;
  tenant?: string | undefined;
  campaign?: string | undefined;
  routing_domain?: string | undefined;
}

/**
 * What the hooks say for mail to `domain` from `source` (default `unspecified`), for
 * `/api/admin/resolve-egress-path/v1`: get_queue_config and get_egress_path_config are asked
 * afresh (not from the caches), the route is resolved, and the ready queue is named. `limits`
 * are the path's and the queue's, under the keys the queue uses.
 */
export async function resolveEgressPath(d: InspectDeps, request: ResolveEgressPathRequest): Promise<EgressPathResolution> {
  if (typeof request.domain !== 'string' || request.domain === '') throw new ConfigError('domain', request.domain, 'is required');
  const q = new ScheduledQueue(formatQueueName({ domain: request.domain, tenant: request.tenant, campaign: request.campaign, routing_domain: request.routing_domain }));
  const p = q.parts;
  const queueInput = (await d.policy.get_queue_config?.(p.domain, p.tenant, p.campaign, p.routing_domain, {})) ?? {};
  const config = resolveQueueConfig(queueInput, `get_queue_config(${q.name})`);
  const route = await routeFor(q.routingDomain, config, d.resolver);
  const source = request.source ?? UNSPECIFIED;
  const pathInput = (await d.policy.get_egress_path_config?.(q.routingDomain, source, route.siteName)) ?? {};
  const name = readyQueueName(source, route.siteName, route.protocol);
  const path = resolveEgressPathConfig(pathInput, `get_egress_path_config(${name})`);
  return {
    domain: p.domain, source, scheduled_queue: q.name, queue_name: name, site_name: route.siteName, mx: route.hosts.map((h) => h.name),
    queue_config: queueInput, path_config: pathInput, limits: { ...pathLimits(source, route.siteName, path), ...queueLimits(q.name, p.tenant, config) },
  };
}
