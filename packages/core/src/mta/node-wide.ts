import { httpReply, replyParts, type DispatchedRequest, type HttpRequest } from '../http/listener.js';
import type { NodePeers } from './cluster-bus.js';

/** The paths answered for the whole node: the admin API (actions apply everywhere, lists show everything). */
const NODE_WIDE = '/api/admin/';

/**
 * The HTTP listener's `around` for one worker of a node: an admin request is run here, then by
 * every other worker (with the id this worker gave a new entry, so one id cancels it everywhere),
 * and the answers are merged (`mergeAnswers`). Other routes, and admin replies that are text or
 * streams, stay with this worker.
 */
export function nodeWideAround(peers: NodePeers): (request: HttpRequest, run: () => Promise<unknown>) => Promise<unknown> {
  return async (request, run) => {
    const local = await run();
    const mine = request.path.startsWith(NODE_WIDE) ? replyParts(local) : undefined;
    if (!mine) return local;
    const created = request.method === 'POST' && isObject(mine.body) && typeof mine.body['id'] === 'string' ? mine.body['id'] : undefined;
    const body = created !== undefined && (request.body === undefined || isObject(request.body)) ? { ...(request.body as object | undefined), id: created } : request.body;
    const replay: DispatchedRequest = { method: request.method, path: request.path, query: request.query.toString(), body };
    const theirs = (await peers.ask('http', replay)) as Array<{ status: number; body: unknown }>;
    return httpReply(mergeAnswers([mine, ...theirs]));
  };
}

/**
 * One answer from every worker's: the first success (a message or queue only one worker has
 * answers 404 elsewhere), else the first answer; bodies merged with `mergeBodies`.
 */
export function mergeAnswers(answers: ReadonlyArray<{ status: number; body: unknown }>): { status: number; body: unknown } {
  const ok = answers.filter((a) => a.status >= 200 && a.status < 300);
  if (ok.length === 0) return answers[0] as { status: number; body: unknown };
  return { status: (ok[0] as { status: number }).status, body: ok.map((a) => a.body).reduce((a, b) => mergeBodies(a, b)) };
}

/** Fields that count what a worker did (an admin bounce's messages): added across workers. */
const COUNTS = new Set(['bounced', 'total_bounced']);
/** Counts of what every worker did to its own copy of the same entries (suppression list changes): the largest, not the sum. */
const REPLICATED = new Set(['added', 'removed', 'imported', 'skipped', 'next']);

/**
 * Two workers' JSON answers as one: numbers added (counts), lists joined with entries of the
 * same `id` (an admin entry every worker holds), the same `name` (a queue several workers hold)
 * or the same recipient and tenant (a suppression entry) merged into one, objects merged key by
 * key, other values taken from the first.
 */
export function mergeBodies(a: unknown, b: unknown, sum = true): unknown {
  if (a === undefined || a === null) return b;
  if (b === undefined || b === null) return a;
  if (typeof a === 'number' && typeof b === 'number') return sum ? a + b : a;
  if (Array.isArray(a) && Array.isArray(b)) return mergeLists(a, b);
  if (isObject(a) && isObject(b)) {
    const out: Record<string, unknown> = { ...a };
    for (const [k, v] of Object.entries(b)) {
      const x = a[k];
      out[k] = REPLICATED.has(k) && typeof x === 'number' && typeof v === 'number' ? Math.max(x, v) : mergeBodies(x, v, sum || COUNTS.has(k));
    }
    return out;
  }
  return a;
}

function mergeLists(a: unknown[], b: unknown[]): unknown[] {
  const out = [...a];
  for (const item of b) {
    const key = keyOf(item);
    const at = key === undefined ? -1 : out.findIndex((o) => keyOf(o) === key);
    if (at < 0) out.push(item);
    // The same admin entry everywhere: its own fields once (its expiry is the same), its counts added.
    else out[at] = mergeBodies(out[at], item, (key as string).startsWith('name:'));
  }
  return out;
}

function keyOf(item: unknown): string | undefined {
  if (!isObject(item)) return undefined;
  if (typeof item['id'] === 'string') return `id:${item['id']}`;
  if (typeof item['name'] === 'string') return `name:${item['name']}`;
  // A suppression entry each worker holds a copy of.
  if (typeof item['recipient'] === 'string' && item['reason'] !== undefined) return `rcpt:${item['recipient']}|${String(item['tenant'] ?? '')}`;
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
