import { systemClock, type Clock } from '@mtakit/core';
import { HttpInputError, httpReply, type HttpListener, type HttpRequest } from '@mtakit/core/http';
import { normalizeRecipient, normalizeTenant, toEntry, type SuppressionEntry, type SuppressionKey, type SuppressionReason } from './entry.js';
import { exportSuppressionCsv, importSuppressionCsv, parseTime, type SuppressionCsvFormat } from './import.js';
import { SuppressionPolicy } from './policy.js';
import type { SuppressionFilter, SuppressionStore } from './store.js';

export interface SuppressionRoutesOptions {
  /** Default `/api/admin/suppression/v1`. */
  basePath?: string;
  /** Expiry of entries added without one, and which imported bounces suppress. Default policy. */
  policy?: SuppressionPolicy;
  clock?: Clock;
}

const MAX_PAGE = 10_000;

/**
 * The suppression list's HTTP API, on core's JSON listener (so it needs a trusted client or
 * credentials like every admin route):
 *
 *   GET  {base}/check?recipient=&tenant=             → { suppressed, entry? }
 *   GET  {base}/list?recipient=&tenant=&global=1&reason=&limit=&offset=  → { entries, next }
 *   POST {base}/add     { entries: [{ recipient, tenant?, reason?, category?, expires?, note? }] }  → { added }
 *   POST {base}/remove  { entries: [{ recipient, tenant? }] }  → { removed }
 *   POST {base}/import  { csv, format?, tenant?, reason? }      → { format, imported, skipped, skipped_rows }
 *   GET  {base}/export?format=mtakit|pmta&tenant=&global=1&reason=  → text/csv
 *
 * Times are Unix ms or RFC 3339 strings; a single entry may be posted without the `entries` list.
 */
export function registerSuppressionRoutes(http: HttpListener, store: SuppressionStore, options: SuppressionRoutesOptions = {}): void {
  const base = options.basePath ?? '/api/admin/suppression/v1';
  const policy = options.policy ?? new SuppressionPolicy();
  const clock = options.clock ?? systemClock;

  http.route('GET', `${base}/check`, async (req) => {
    const recipient = recipientParam(req.query.get('recipient'), 'recipient');
    const entry = await store.check(recipient, normalizeTenant(req.query.get('tenant')));
    return entry ? { suppressed: true, entry } : { suppressed: false };
  });

  http.route('GET', `${base}/list`, async (req) => {
    const limit = intParam(req, 'limit', 100, 1, MAX_PAGE);
    const offset = intParam(req, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
    const entries: SuppressionEntry[] = [];
    let seen = 0;
    let more = false;
    for await (const e of store.entries(filterOf(req))) {
      if (seen++ < offset) continue;
      if (entries.length === limit) {
        more = true;
        break;
      }
      entries.push(e);
    }
    return { entries, next: more ? offset + limit : null };
  });

  http.route('POST', `${base}/add`, async (req) => {
    const now = clock.now();
    const entries = entriesOf(req.body).map((item, i) => {
      const e = item as Record<string, unknown>;
      const created = timeField(e['created'], `entries[${i}].created`) ?? now;
      const reason = (typeof e['reason'] === 'string' ? e['reason'] : 'manual') as SuppressionReason;
      const expires = e['expires'] === null ? null : (timeField(e['expires'], `entries[${i}].expires`) ?? policy.expiresFor(reason, created));
      const recipient = recipientParam(e['recipient'], `entries[${i}].recipient`);
      return field(`entries[${i}]`, () => toEntry({ ...stringFields(e), recipient, reason, created, expires, source_type: stringOr(e['source_type'], 'api') }, now));
    });
    await store.put(entries);
    return { added: entries.length };
  });

  http.route('POST', `${base}/remove`, async (req) => {
    const keys: SuppressionKey[] = entriesOf(req.body).map((item, i) => {
      const e = item as Record<string, unknown>;
      return { recipient: recipientParam(e['recipient'], `entries[${i}].recipient`), tenant: normalizeTenant(stringOr(e['tenant'], '')) };
    });
    return { removed: await store.remove(keys) };
  });

  http.route('POST', `${base}/import`, async (req) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body['csv'] !== 'string') throw new HttpInputError('csv', 'csv must be the CSV text as a string');
    const format = body['format'] === undefined || body['format'] === 'auto' ? undefined : formatParam(body['format'], ['mtakit', 'pmta', 'lines']);
    const result = importSuppressionCsv(body['csv'], {
      now: clock.now(), policy, tenant: normalizeTenant(stringOr(body['tenant'], '')),
      ...(typeof body['reason'] === 'string' ? { reason: body['reason'] as SuppressionReason } : {}),
      ...(format ? { format } : {}),
    });
    await store.put(result.entries);
    return { format: result.format, imported: result.entries.length, skipped: result.skipped.length, skipped_rows: result.skipped.slice(0, 100) };
  });

  http.route('GET', `${base}/export`, async (req) => {
    const format = formatParam(req.query.get('format') ?? 'mtakit', ['mtakit', 'pmta']);
    const entries: SuppressionEntry[] = [];
    for await (const e of store.entries(filterOf(req))) entries.push(e);
    return httpReply({ text: { contentType: 'text/csv; charset=utf-8', content: exportSuppressionCsv(entries, format) } });
  });
}

function filterOf(req: HttpRequest): SuppressionFilter {
  const q = req.query;
  const filter: SuppressionFilter = {};
  if (q.get('recipient')) filter.recipient = recipientParam(q.get('recipient'), 'recipient');
  if (q.get('global') === '1' || q.get('global') === 'true') filter.tenant = null;
  else if (q.get('tenant')) filter.tenant = normalizeTenant(q.get('tenant'));
  const reason = q.get('reason');
  if (reason) filter.reason = reason as SuppressionReason;
  return filter;
}

function entriesOf(body: unknown): unknown[] {
  const list = body && typeof body === 'object' && 'entries' in body ? (body as { entries: unknown }).entries : body === undefined ? undefined : [body];
  if (!Array.isArray(list) || list.some((e) => !e || typeof e !== 'object')) throw new HttpInputError('entries', 'entries must be a list of objects with a recipient');
  return list;
}

function recipientParam(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new HttpInputError(name, `${name} is required`);
  return field(name, () => normalizeRecipient(value));
}

function intParam(req: HttpRequest, name: string, fallback: number, min: number, max: number): number {
  const text = req.query.get(name);
  if (text === null || text === '') return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new HttpInputError(name, `${name} must be an integer from ${min} to ${max}`);
  return n;
}

function formatParam<T extends SuppressionCsvFormat>(value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw new HttpInputError('format', `format must be one of ${allowed.join(', ')}`);
  return value as T;
}

function timeField(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') return field(name, () => parseTime(value));
  throw new HttpInputError(name, `${name} must be Unix ms or an RFC 3339 time`);
}

function stringFields(e: Record<string, unknown>): Partial<Pick<SuppressionEntry, 'tenant' | 'category' | 'source_id' | 'note'>> {
  const out: Partial<Record<'tenant' | 'category' | 'source_id' | 'note', string>> = {};
  for (const k of ['tenant', 'category', 'source_id', 'note'] as const) {
    const v = e[k];
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

/** Runs a conversion, turning its error into a 400 that names the field. */
function field<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw new HttpInputError(name, `${name}: ${(error as Error).message}`);
  }
}
