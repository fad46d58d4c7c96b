import { httpReply, type HttpListener, type HttpRequest } from '@mtakit/core/http';
import type { QueueManager } from '../queue-manager.js';
import { inspectReadyQueue, readyQueueStateMap, withDuration } from './kumo-views.js';
import { cancelled, flag, id, list, query, reason, selector, stringMap, text, timing } from './request.js';

/**
 * The queue's admin endpoints, with KumoMTA's paths and bodies so operators' tooling (kcli) carries
 * over: suspend, suspend-ready-q, bounce (POST create, GET list, DELETE cancel; lists carry
 * `duration`, bounces `bounced` and `total_bounced`), rebind, inspect-message, inspect-sched-q,
 * inspect-ready-q, ready-q-states (kumod's map of held-back queues), resolve-egress-path; plus
 * mtakit's queue summary, ready-queue details and held-message endpoints.
 * Authentication is the listener's (trusted hosts or Basic credentials).
 */
export function registerQueueAdminRoutes(http: HttpListener, queue: QueueManager): void {
  const v1 = '/api/admin';
  http
    .route('POST', `${v1}/suspend/v1`, (r) => queue.suspend({ ...selector(r), ...timing(r), reason: reason(r) }))
    .route('GET', `${v1}/suspend/v1`, () => withDuration(queue.listSuspensions(), Date.now()))
    .route('DELETE', `${v1}/suspend/v1`, async (r) => cancelled(await queue.cancelSuspension(id(r)), r))
    .route('POST', `${v1}/suspend-ready-q/v1`, (r) => queue.suspendReadyQueue({ name: text(r, 'name', true) as string, ...timing(r), reason: reason(r) }))
    .route('GET', `${v1}/suspend-ready-q/v1`, () => withDuration(queue.listReadyQueueSuspensions(), Date.now()))
    .route('DELETE', `${v1}/suspend-ready-q/v1`, async (r) => cancelled(await queue.cancelReadyQueueSuspension(id(r)), r))
    .route('POST', `${v1}/bounce/v1`, async (r) => {
      const { id: bounceId } = await queue.bounce({ ...selector(r), ...timing(r), reason: reason(r), suppress_logging: flag(r, 'suppress_logging') });
      const listed = queue.listBounces().find((b) => b.id === bounceId);
      return { id: bounceId, bounced: listed?.['bounced'] ?? {}, total_bounced: listed?.['total_bounced'] ?? 0 };
    })
    .route('GET', `${v1}/bounce/v1`, () => withDuration(queue.listBounces(), Date.now()))
    .route('DELETE', `${v1}/bounce/v1`, async (r) => cancelled(await queue.cancelBounce(id(r)), r))
    .route('POST', `${v1}/rebind/v1`, (r) => queue.rebind({
      ...selector(r), reason: reason(r), data: stringMap(r, 'data'), always_flush: flag(r, 'always_flush'),
      trigger_rebind_event: flag(r, 'trigger_rebind_event'), suppress_logging: flag(r, 'suppress_logging'),
    }))
    .route('GET', `${v1}/inspect-message/v1`, (r) => queue.inspectMessage(query(r, 'id'), r.query.get('want_body') === 'true'))
    .route('GET', `${v1}/inspect-sched-q/v1`, (r) => queue.inspectScheduledQueue(query(r, 'queue_name'), {
      wantBody: r.query.get('want_body') === 'true', limit: Number(r.query.get('limit') ?? 20),
    }))
    .route('GET', `${v1}/ready-q-states/v1`, (r) => ({ states_by_ready_queue: readyQueueStateMap(queue.readyQueueStates(), queueNames(r)) }))
    .route('GET', `${v1}/inspect-ready-q/v1`, (r) => {
      const name = query(r, 'queue_name');
      const state = queue.readyQueueStates().find((s) => s.name === name);
      if (!state) return httpReply({ status: 404, body: { error: `no ready queue named ${JSON.stringify(name)}` } });
      return inspectReadyQueue(state, queue.egressPathLimits().find((p) => p.name === name)?.limits, Date.now());
    })
    .route('GET', `${v1}/resolve-egress-path/v1`, (r) => queue.resolveEgressPath({
      domain: query(r, 'domain'), source: param(r, 'source'), tenant: param(r, 'tenant'), campaign: param(r, 'campaign'), routing_domain: param(r, 'routing_domain'),
    }))
    .route('POST', `${v1}/spool-compact/v1`, (r) => {
      // kumod compacts RocksDB spools and does nothing for local-disk ones; mtakit's spool is a
      // local-disk one, so the two names kumod has by default are accepted and nothing is done.
      const name = text(r, 'name', true) as string;
      if (name !== 'data' && name !== 'meta') return httpReply({ status: 404, body: { error: `no spool named ${JSON.stringify(name)} (mtakit's are "data" and "meta")` } });
      return {};
    })
    .route('GET', `${v1}/ready-queues/v1`, () => ({ ready_queues: queue.readyQueueStates() }))
    .route('GET', `${v1}/queue-summary/v1`, () => queue.summary())
    .route('GET', `${v1}/held/v1`, (r) => queue.listHeld(selector({ ...r, body: Object.fromEntries(r.query) })))
    .route('POST', `${v1}/held/bounce/v1`, (r) => queue.bounceHeld({ ...selector(r), ids: list(r, 'ids'), reason: reason(r) }));
}

/** `queues` as kcli sends it: repeated, or comma-separated; none means all. */
function queueNames(r: HttpRequest): Set<string> | undefined {
  const names = r.query.getAll('queues').flatMap((v) => v.split(',')).filter((v) => v !== '');
  return names.length > 0 ? new Set(names) : undefined;
}

function param(r: HttpRequest, name: string): string | undefined {
  return r.query.get(name) || undefined;
}

