import { randomUUID } from 'node:crypto';
import { ConfigError, durationOption, type Clock, type DirectiveTiming } from '@mtakit/core';

export type { DirectiveTiming };

export interface Directive<T> {
  id: string;
  reason: string;
  /** Unix ms. */
  expires: number;
  data: T;
}

/**
 * The longest an admin entry may last. Longer asks are mistakes (`99999999999999999999y`,
 * `1e308`) that would otherwise be kept forever and break every listing that prints their end.
 */
export const MAX_DIRECTIVE_MS = 10 * 365 * 86_400_000;
/** Reasons longer than this are refused (they are logged with every message they touch). */
const MAX_REASON_LENGTH = 1000;

/**
 * Admin directives in force (suspensions, bounces) with their expiry: KumoMTA's suspend/bounce
 * entries. Pure bookkeeping over an injected clock; expired entries disappear on read.
 */
export class Directives<T> {
  readonly #items = new Map<string, Directive<T>>();

  constructor(
    private readonly clock: Clock,
    private readonly defaultDuration: string,
  ) {}

  add(reason: string, timing: DirectiveTiming, data: T): Directive<T> {
    if (typeof reason !== 'string' || reason.trim() === '') throw new ConfigError('reason', reason, 'is required');
    if (reason.length > MAX_REASON_LENGTH) throw new ConfigError('reason', `${reason.slice(0, 40)}…`, `must be at most ${MAX_REASON_LENGTH} characters`);
    const now = this.clock.now();
    const expires = timing.expires !== undefined ? parseExpires(timing.expires, now) : now + parseLasting(timing.duration ?? this.defaultDuration);
    const directive = { id: timing.id ?? randomUUID(), reason, expires, data };
    this.#items.set(directive.id, directive);
    return directive;
  }

  /** Puts back entries saved by an earlier run; expired ones are dropped on the next read. */
  restore(items: ReadonlyArray<Directive<T>>): void {
    for (const d of items) this.#items.set(d.id, d);
  }

  remove(id: string): boolean {
    return this.#items.delete(id);
  }

  active(): Array<Directive<T>> {
    const now = this.clock.now();
    for (const [id, d] of this.#items) if (d.expires <= now) this.#items.delete(id);
    return [...this.#items.values()];
  }

  /** The first entry in force whose data matches. Asked per message (enqueue, recovery): no copy of the list. */
  find(match: (data: T) => boolean): Directive<T> | undefined {
    if (this.#items.size === 0) return undefined;
    const now = this.clock.now();
    // Values, not [id, d] pairs: an array per entry per message adds up over a million.
    for (const d of this.#items.values()) {
      if (d.expires <= now) this.#items.delete(d.id);
      else if (match(d.data)) return d;
    }
    return undefined;
  }
}

function parseLasting(duration: string | number): number {
  if (typeof duration !== 'string' && typeof duration !== 'number') throw new ConfigError('duration', duration, 'must be like "10m" or a number of seconds');
  const ms = durationOption('duration', duration);
  if (!Number.isFinite(ms) || ms <= 0) throw new ConfigError('duration', duration, 'must be a positive duration');
  if (ms > MAX_DIRECTIVE_MS) throw new ConfigError('duration', duration, 'must be at most 10 years');
  return ms;
}

function parseExpires(text: string, now: number): number {
  const t = typeof text === 'string' ? Date.parse(text) : NaN;
  if (Number.isNaN(t)) throw new ConfigError('expires', text, 'must be an RFC 3339 time');
  if (t - now > MAX_DIRECTIVE_MS) throw new ConfigError('expires', text, 'must be at most 10 years from now');
  return t;
}
