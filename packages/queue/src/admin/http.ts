import { ConfigError } from '@mtakit/core';
import { HttpInputError, httpReply, type HttpListener, type HttpReply, type HttpRequest } from '@mtakit/core/http';
import type { QueueManager } from '../queue-manager.js';
import type { DirectiveTiming } from './directives.js';
import type { QueueSelector } from './matching.js';

/**
 * The queue's admin endpoints, with KumoMTA's paths and bodies so operators' tooling carries over:
 * suspend, suspend-ready-q, bounce (POST create, GET list, DELETE cancel), rebind, inspect-message,
 * inspect-sched-q, ready-q-states; plus mtakit's queue summary and held-message endpoints.
 * Authentication is the listener's (trusted hosts or Basic credentials).
 */
export function registerQueueAdminRoutes(http: HttpListener, queue: QueueManager): void {
  const v1 = '/api/admin';
  http
    .route('POST', `${v1}/suspend/v1`, (r) => queue.suspend({ ...selector(r), ...timing(r), reason: reason(r) }))
    .route('GET', `${v1}/suspend/v1`, () => queue.listSuspensions())
    .route('DELETE', `${v1}/suspend/v1`, async (r) => cancelled(await queue.cancelSuspension(id(r)), r))
    .route('POST', `${v1}/suspend-ready-q/v1`, (r) => queue.suspendReadyQueue({ name: text(r, 'name', true) as string, ...timing(r), reason: reason(r) }))
    .route('GET', `${v1}/suspend-ready-q/v1`, () => queue.listReadyQueueSuspensions())
    .route('DELETE', `${v1}/suspend-ready-q/v1`, async (r) => cancelled(await queue.cancelReadyQueueSuspension(id(r)), r))
    .route('POST', `${v1}/bounce/v1`, (r) => queue.bounce({ ...selector(r), ...timing(r), reason: reason(r), suppress_logging: flag(r, 'suppress_logging') }))
    .route('GET', `${v1}/bounce/v1`, () => queue.listBounces())
    .route('DELETE', `${v1}/bounce/v1`, async (r) => cancelled(await queue.cancelBounce(id(r)), r))
    .route('POST', `${v1}/rebind/v1`, (r) => queue.rebind({
      ...selector(r), reason: reason(r), data: stringMap(r, 'data'), always_flush: flag(r, 'always_flush'),
      trigger_rebind_event: flag(r, 'trigger_rebind_event'), suppress_logging: flag(r, 'suppress_logging'),
    }))
    .route('GET', `${v1}/inspect-message/v1`, (r) => queue.inspectMessage(query(r, 'id'), r.query.get('want_body') === 'true'))
    .route('GET', `${v1}/inspect-sched-q/v1`, (r) => queue.inspectScheduledQueue(query(r, 'queue_name'), {
      wantBody: r.query.get('want_body') === 'true', limit: Number(r.query.get('limit') ?? 20),
    }))
    .route('GET', `${v1}/ready-q-states/v1`, () => ({ states_by_ready_queue: queue.readyQueueStates() }))
    .route('GET', `${v1}/queue-summary/v1`, () => queue.summary())
    .route('GET', `${v1}/held/v1`, (r) => queue.listHeld(selector({ ...r, body: Object.fromEntries(r.query) })))
    .route('POST', `${v1}/held/bounce/v1`, (r) => queue.bounceHeld({ ...selector(r), ids: list(r, 'ids'), reason: reason(r) }));
}

function body(r: HttpRequest): Record<string, unknown> {
  if (r.body === undefined) return {};
  if (typeof r.body !== 'object' || r.body === null || Array.isArray(r.body)) throw new HttpInputError('body', 'request body must be a JSON object');
  return r.body as Record<string, unknown>;
}

function text(r: HttpRequest, field: string, required = false): string | undefined {
  const v = body(r)[field];
  if (v === undefined || v === null) {
    if (required) throw new HttpInputError(field, `${field} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new HttpInputError(field, `${field} must be a string`);
  return v;
}

function reason(r: HttpRequest): string {
  return text(r, 'reason', true) as string;
}

function id(r: HttpRequest): string {
  return text(r, 'id', true) as string;
}

function list(r: HttpRequest, field: string): string[] | undefined {
  const v = body(r)[field];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new HttpInputError(field, `${field} must be a list of strings`);
  return v as string[];
}

function flag(r: HttpRequest, field: string): boolean {
  const v = body(r)[field];
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new HttpInputError(field, `${field} must be true or false`);
  return v;
}

function stringMap(r: HttpRequest, field: string): Record<string, string> {
  const v = body(r)[field] ?? {};
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
    throw new HttpInputError(field, `${field} must be an object of string values`);
  }
  return v as Record<string, string>;
}

function selector(r: HttpRequest): QueueSelector {
  return { domain: text(r, 'domain'), tenant: text(r, 'tenant'), campaign: text(r, 'campaign'), routing_domain: text(r, 'routing_domain'), queue_names: list(r, 'queue_names') };
}

function timing(r: HttpRequest): DirectiveTiming {
  const duration = body(r)['duration'];
  if (duration !== undefined && typeof duration !== 'string' && typeof duration !== 'number') throw new HttpInputError('duration', 'duration must be like "10m" or a number of seconds');
  try {
    return { duration: duration as string | number | undefined, expires: text(r, 'expires') };
  } catch (error) {
    if (error instanceof ConfigError) throw new HttpInputError(error.key, error.message);
    throw error;
  }
}

function query(r: HttpRequest, name: string): string {
  const v = r.query.get(name);
  if (!v) throw new HttpInputError(name, `query parameter ${name} is required`);
  return v;
}

function cancelled(found: boolean, r: HttpRequest): HttpReply {
  return found ? httpReply({ body: { id: id(r) } }) : httpReply({ status: 404, body: { error: `no entry with id ${id(r)}` } });
}
