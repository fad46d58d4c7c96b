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
    const expires = timing.expires !== undefined ? parseExpires(timing.expires) : this.clock.now() + durationOption('duration', timing.duration ?? this.defaultDuration);
    const directive = { id: randomUUID(), reason, expires, data };
    this.#items.set(directive.id, directive);
    return directive;
  }

  remove(id: string): boolean {
    return this.#items.delete(id);
  }

  active(): Array<Directive<T>> {
    const now = this.clock.now();
    for (const [id, d] of this.#items) if (d.expires <= now) this.#items.delete(id);
    return [...this.#items.values()];
  }

  find(match: (data: T) => boolean): Directive<T> | undefined {
    return this.active().find((d) => match(d.data));
  }
}

function parseExpires(text: string): number {
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new ConfigError('expires', text, 'must be an RFC 3339 time');
  return t;
}
