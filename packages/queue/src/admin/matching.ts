import type { QueueNameParts, QueueSelector } from '@mtakit/core';

export type { QueueSelector };

/**
 * A queue matches when every field given matches (case-insensitive for domains); `queue_names`
 * matches by exact name. An empty selector matches every queue.
 */
export function matchesQueue(selector: QueueSelector, name: string, parts: QueueNameParts): boolean {
  if (selector.queue_names && selector.queue_names.length > 0 && !selector.queue_names.includes(name)) return false;
  if (selector.domain && selector.domain.toLowerCase() !== parts.domain.toLowerCase()) return false;
  if (selector.routing_domain && selector.routing_domain.toLowerCase() !== (parts.routing_domain ?? '').toLowerCase()) return false;
  if (selector.tenant && selector.tenant !== parts.tenant) return false;
  if (selector.campaign && selector.campaign !== parts.campaign) return false;
  return true;
}
