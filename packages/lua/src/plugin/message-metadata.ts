import { readFileSync } from 'node:fs';

/**
 * Whether any Lua file the policy read mentions `kumo.get_msg_metadata`: then a queue config may
 * depend on the message, and caching it per queue would route every message of a queue like the
 * first. A text search, so a mention in a comment also counts (costlier, never wrong).
 */
export function readsMessageMetadata(files: readonly string[]): boolean {
  return files.some((f) => f.endsWith('.lua') && /\bget_msg_metadata\b/.test(readFileSync(f, 'utf8')));
}
