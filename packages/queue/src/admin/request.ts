import { ConfigError } from '@mtakit/core';
import { HttpInputError, httpReply, type HttpReply, type HttpRequest } from '@mtakit/core/http';
import type { DirectiveTiming } from './directives.js';
import type { QueueSelector } from './matching.js';

/** Reading admin request bodies and queries, with 400s that name the field. */

export function body(r: HttpRequest): Record<string, unknown> {
  if (r.body === undefined) return {};
  if (typeof r.body !== 'object' || r.body === null || Array.isArray(r.body)) throw new HttpInputError('body', 'request body must be a JSON object');
  return r.body as Record<string, unknown>;
}

export function text(r: HttpRequest, field: string, required = false): string | undefined {
  const v = body(r)[field];
  if (v === undefined || v === null) {
    if (required) throw new HttpInputError(field, `${field} is required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new HttpInputError(field, `${field} must be a string`);
  return v;
}

export function reason(r: HttpRequest): string {
  return text(r, 'reason', true) as string;
}

export function id(r: HttpRequest): string {
  return text(r, 'id', true) as string;
}

export function list(r: HttpRequest, field: string): string[] | undefined {
  const v = body(r)[field];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new HttpInputError(field, `${field} must be a list of strings`);
  return v as string[];
}

export function flag(r: HttpRequest, field: string): boolean {
  const v = body(r)[field];
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new HttpInputError(field, `${field} must be true or false`);
  return v;
}

export function stringMap(r: HttpRequest, field: string): Record<string, string> {
  const v = body(r)[field] ?? {};
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
    throw new HttpInputError(field, `${field} must be an object of string values`);
  }
  return v as Record<string, string>;
}

export function selector(r: HttpRequest): QueueSelector {
  return { domain: text(r, 'domain'), tenant: text(r, 'tenant'), campaign: text(r, 'campaign'), routing_domain: text(r, 'routing_domain'), queue_names: list(r, 'queue_names') };
}

export function timing(r: HttpRequest): DirectiveTiming {
  const duration = body(r)['duration'];
  if (duration !== undefined && typeof duration !== 'string' && typeof duration !== 'number') throw new HttpInputError('duration', 'duration must be like "10m" or a number of seconds');
  try {
    return { duration: duration as string | number | undefined, expires: text(r, 'expires'), id: text(r, 'id') };
  } catch (error) {
    if (error instanceof ConfigError) throw new HttpInputError(error.key, error.message);
    throw error;
  }
}

export function query(r: HttpRequest, name: string): string {
  const v = r.query.get(name);
  if (!v) throw new HttpInputError(name, `query parameter ${name} is required`);
  return v;
}

export function cancelled(found: boolean, r: HttpRequest): HttpReply {
  return found ? httpReply({ body: { id: id(r) } }) : httpReply({ status: 404, body: { error: `no entry with id ${id(r)}` } });
}
