import { randomBytes } from 'node:crypto';

/**
 * Message ids: 32 lowercase hex digits, sortable by creation time (like KumoMTA's UUIDv1-derived
 * spool ids). Layout: 48-bit Unix milliseconds, 16-bit per-millisecond sequence, 64 random bits.
 * Ids made by one process are strictly increasing.
 */

let lastMs = 0;
let seq = 0;
let pool = Buffer.alloc(0);
let poolAt = 0;

export function newMessageId(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    seq = 0;
  } else if (++seq > 0xffff) {
    // More than 65,536 ids in one millisecond: borrow the next millisecond to stay monotonic.
    lastMs += 1;
    seq = 0;
  }
  return lastMs.toString(16).padStart(12, '0') + seq.toString(16).padStart(4, '0') + randomHex();
}

function randomHex(): string {
  if (poolAt + 8 > pool.length) {
    pool = randomBytes(8 * 512);
    poolAt = 0;
  }
  const hex = pool.toString('hex', poolAt, poolAt + 8);
  poolAt += 8;
  return hex;
}

const ID_PATTERN = /^[0-9a-f]{32}$/;

export function isMessageId(text: string): boolean {
  return ID_PATTERN.test(text);
}

/** The creation time (Unix ms) encoded in a message id. */
export function messageIdTime(id: string): number {
  return parseInt(id.slice(0, 12), 16);
}
