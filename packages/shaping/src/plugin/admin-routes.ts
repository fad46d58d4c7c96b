import type { QueueViews, ReadyQueueView } from '@mtakit/core';
import { HttpInputError, type HttpListener, type HttpRequest } from '@mtakit/core/http';
import type { AutomationEffect } from '../automation/effects.js';
import type { LimitState } from '../inspect.js';
import type { Shaping } from '../shaping.js';

/** An automation effect as the admin API shows it (expiry as RFC 3339). */
type EffectView = Omit<AutomationEffect, 'expires'> & { expires: string };

/** A ready queue's state with the live state of its shaping limits and the automation acting on it. */
export type ShapedReadyQueueState = ReadyQueueView & { shaping: { limits: LimitState[]; effects: EffectView[] } };

/**
 * The shaping side of the admin API, with KumoMTA's paths:
 * - `GET /api/admin/resolve-egress-path/v1?domain=…&source=…` (also `tenant`, `campaign`,
 *   `routing_domain`): what the hooks say for that mail (queue and path config, MX, ready queue
 *   name), plus where each path value came from, the automation effects and warm-up acting on it,
 *   and the live state of every limit it would pass;
 * - `GET /api/admin/ready-queues/v1` (mtakit's): the queue's ready-queue details, each with
 *   `shaping` (its limits' leases and buckets, and its automation effects). kumod's
 *   `ready-q-states` (held-back queues only) stays the queue's.
 */
export function registerShapingRoutes(http: HttpListener, queue: QueueViews, shaping: Shaping): void {
  http.route('GET', '/api/admin/resolve-egress-path/v1', async (r) => {
    const domain = r.query.get('domain');
    if (!domain) throw new HttpInputError('domain', 'query parameter domain is required');
    const { limits, ...resolved } = await queue.resolveEgressPath({
      domain, source: param(r, 'source'), tenant: param(r, 'tenant'), campaign: param(r, 'campaign'), routing_domain: param(r, 'routing_domain'),
    });
    const view = await shaping.inspect({ domain, source: resolved.source, siteName: resolved.site_name });
    const queueLimits = await shaping.limitStates({ messageRates: limits.promotionRates, connections: limits.deliveryLimits });
    return {
      ...resolved,
      shaping: {
        providers: view.providers,
        sources: view.sources,
        effects: view.effects.map(effectView),
        warmup: view.warmup ?? null,
        limits: [...(await shaping.limitStates(limits)), ...queueLimits],
      },
    };
  });
  http.route('GET', '/api/admin/ready-queues/v1', async () => ({ ready_queues: await shapedReadyQueueStates(queue, shaping) }));
}

/** The queue's ready-queue states, each extended with its shaping state. */
export async function shapedReadyQueueStates(queue: QueueViews, shaping: Shaping): Promise<ShapedReadyQueueState[]> {
  const paths = new Map(queue.egressPathLimits().map((p) => [p.name, p.limits]));
  const effects = shaping.automation.activeEffects();
  return Promise.all(queue.readyQueueStates().map(async (state) => {
    const limits = paths.get(state.name);
    return {
      ...state,
      shaping: {
        limits: limits ? await shaping.limitStates(limits) : [],
        effects: effects.filter((e) => actsOn(e, state)).map(effectView),
      },
    };
  }));
}

function actsOn(effect: AutomationEffect, state: ReadyQueueView): boolean {
  if (effect.kind === 'suspend-ready-queue') return effect.name === state.name;
  if (effect.kind === 'config') return effect.source === state.egress_source && effect.siteName === state.site_name;
  return false;
}

function effectView(effect: AutomationEffect): EffectView {
  return { ...effect, expires: new Date(effect.expires).toISOString() };
}

function param(r: HttpRequest, name: string): string | undefined {
  return r.query.get(name) || undefined;
}
