import { rm } from 'node:fs/promises';
import type { Logger } from '@mtakit/core';
import { DiskSpool } from './disk-spool.js';

/** Messages copied at once: enough to fill the spool's write batches, bounded in memory. */
const BATCH = 256;

/**
 * Moves every message of the disk spool in `from` into `into` (data, meta, attempts and due time
 * as they were), then deletes `from`. Crash-safe: a message is removed from `from` only once it is
 * durable in `into`, and one already in `into` (copied before a crash) is not copied again, so a
 * restart half way finishes the move with no loss and no duplicate. Used when the number of
 * workers shrinks and a worker takes over a shard nobody owns any more; call it before `into` is
 * opened for the queue (a spool's enumerate shows what was there when it opened).
 */
export async function adoptSpool(from: string, into: DiskSpool, options: { fsync?: boolean; log?: Logger } = {}): Promise<number> {
  const source = await DiskSpool.open({ dir: from, fsync: options.fsync ?? true, ...(options.log ? { log: options.log } : {}) });
  let moved = 0;
  try {
    const ids: string[] = [];
    for await (const record of source.enumerate()) ids.push(record.id);
    for (let i = 0; i < ids.length; i += BATCH) {
      const batch = ids.slice(i, i + BATCH);
      await Promise.all(batch.map(async (id) => {
        if (!into.has(id)) await into.store(await source.load(id));
      }));
      await Promise.all(batch.map((id) => source.remove(id)));
      moved += batch.length;
    }
  } finally {
    await source.close();
  }
  await rm(from, { recursive: true, force: true });
  return moved;
}
