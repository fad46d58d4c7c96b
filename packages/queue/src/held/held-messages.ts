import { parseQueueName, type HeldMessage, type QueueSelector } from '@mtakit/core';
import { matchesQueue } from '../admin/matching.js';

/**
 * Messages held by a pre-send verdict (or meta `hold`): spooled, not scheduled, until released or
 * bounced. Only id → scheduled queue name is kept.
 */
export class HeldMessages {
  readonly #held = new Map<string, string>();

  get size(): number {
    return this.#held.size;
  }

  add(id: string, queue: string): void {
    this.#held.set(id, queue);
  }

  has(id: string): boolean {
    return this.#held.has(id);
  }

  delete(id: string): boolean {
    return this.#held.delete(id);
  }

  /** Held messages of the queues `selector` matches, narrowed to `ids` when given. */
  list(selector: QueueSelector = {}, ids?: readonly string[]): HeldMessage[] {
    const out: HeldMessage[] = [];
    for (const [id, queue] of this.#held) {
      if (ids && !ids.includes(id)) continue;
      if (matchesQueue(selector, queue, parseQueueName(queue))) out.push({ id, queue });
    }
    return out;
  }
}
