import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { HEADER, ID_OFFSET } from './record-format.js';
import { segmentPath, syncDirectory } from './segment-files.js';
import { COUNTER, HEAD, MAGIC, SNAPSHOT_ENTRY, snapshotPath, SnapshotOutput } from './snapshot-format.js';
import type { SpoolIndex } from './spool-index.js';

/** Segment bytes read at a time while collecting metas (they sit between the data, in order). */
const WINDOW = 1024 * 1024;
/**
 * Meta locations sorted at a time (8 bytes each): the segments are taken in groups of about this
 * many metas, so a snapshot of a million messages needs 2 MB for them, not 8 MB on top of the index.
 */
const GROUP = 256 * 1024;

export interface SnapshotStats {
  entries: number;
  bytes: number;
  ms: number;
}

/**
 * Writes the index snapshot covering the segments before `cover` (see snapshot-format.ts). The
 * index may change while this runs (stores, updates and removals go on): every change made after
 * the call is in a segment from `cover` on, which a restart replays over the snapshot, so an entry
 * written as it was at the call or as it is later recovers the same. The caller keeps segments
 * before `cover` from being deleted meanwhile.
 */
export async function writeSnapshot(dir: string, index: SpoolIndex, cover: number): Promise<SnapshotStats> {
  const started = Date.now();
  const tmp = `${snapshotPath(dir)}.tmp`;
  const out = await SnapshotOutput.create(tmp);
  try {
    writeHead(out, index, cover);
    let entries = await writeMetaEntries(dir, index, cover, out);
    // Entries whose latest meta is in `cover` or later: the replay finds their meta.
    for (const e of index.entriesWithMetaFrom(cover)) {
      const { buffer, at } = out.take(SNAPSHOT_ENTRY + 4);
      index.writeEntry(e, buffer, at);
      buffer.writeUInt32LE(0, at + SNAPSHOT_ENTRY);
      entries++;
    }
    const bytes = out.bytes + 16;
    await out.finish(entries);
    await rename(tmp, snapshotPath(dir));
    await syncDirectory(dir);
    return { entries, bytes, ms: Date.now() - started };
  } catch (error) {
    await out.abandon();
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
}

function writeHead(out: SnapshotOutput, index: SpoolIndex, cover: number): void {
  const counters = index.countersBelow(cover);
  const { buffer, at } = out.take(HEAD + counters.length * COUNTER);
  MAGIC.copy(buffer, at);
  buffer.writeUInt32LE(SNAPSHOT_ENTRY, at + 8);
  buffer.writeDoubleLE(cover, at + 12);
  buffer.writeUInt32LE(counters.length, at + 20);
  counters.forEach(([seg, records], i) => {
    buffer.writeDoubleLE(seg, at + HEAD + i * COUNTER);
    buffer.writeUInt32LE(records, at + HEAD + i * COUNTER + 8);
  });
}

/**
 * The entries whose latest meta is before `cover`, each with its meta, read from the segments in
 * file order a window at a time (large sequential reads, not one per message), a group of
 * segments at a time.
 */
async function writeMetaEntries(dir: string, index: SpoolIndex, cover: number, out: SnapshotOutput): Promise<number> {
  const groups = segmentGroups(index.metaCountsBelow(cover), GROUP);
  let room = new Float64Array(0);
  let entries = 0;
  for (const { from, to, metas } of groups) {
    if (room.length < metas) room = new Float64Array(Math.max(metas, Math.min(GROUP, groups.reduce((n, g) => n + g.metas, 0))));
    entries += await writeMetasOf(dir, index, index.metaLocationsIn(from, to, room.subarray(0, metas)), out);
  }
  return entries;
}

/**
 * Segments (with their meta counts) in ascending runs of at most `group` metas together; a
 * segment with more is a run of its own.
 */
export function segmentGroups(counts: ReadonlyMap<number, number>, group: number): Array<{ from: number; to: number; metas: number }> {
  const groups: Array<{ from: number; to: number; metas: number }> = [];
  for (const seg of [...counts.keys()].sort((a, b) => a - b)) {
    const metas = counts.get(seg) as number;
    const last = groups.at(-1);
    if (last && last.metas + metas <= group) {
      last.to = seg;
      last.metas += metas;
    } else {
      groups.push({ from: seg, to: seg, metas });
    }
  }
  return groups;
}

/** The entries of `locations` (sorted, as `metaLocationsIn` gives them) with their metas. */
async function writeMetasOf(dir: string, index: SpoolIndex, locations: Float64Array, out: SnapshotOutput): Promise<number> {
  let window = Buffer.allocUnsafe(WINDOW);
  let entries = 0;
  let handle: FileHandle | undefined;
  let handleSeg = -1;
  try {
    for (let i = 0; i < locations.length; ) {
      const seg = Math.floor((locations[i] as number) / 2 ** 32);
      if (seg !== handleSeg) {
        await handle?.close();
        handle = await open(segmentPath(dir, seg), 'r');
        handleSeg = seg;
      }
      const start = ((locations[i] as number) % 2 ** 32) - HEADER;
      const length = (await (handle as FileHandle).read(window, 0, window.length, start)).bytesRead;
      const before = i;
      for (; i < locations.length; i++) {
        const location = locations[i] as number;
        if (Math.floor(location / 2 ** 32) !== seg) break;
        const at = (location % 2 ** 32) - HEADER - start;
        if (at + HEADER > length) break;
        const metaLength = window.readUInt32LE(at + 9);
        if (at + HEADER + metaLength > length) break;
        // Updated since the locations were taken (then its meta is in `cover` or later), or gone.
        const e = index.entryIfLatestMeta(window, at + ID_OFFSET, seg, location % 2 ** 32);
        if (e < 0) continue;
        const room = out.take(SNAPSHOT_ENTRY + 4 + metaLength);
        index.writeEntry(e, room.buffer, room.at);
        room.buffer.writeUInt32LE(metaLength, room.at + SNAPSHOT_ENTRY);
        window.copy(room.buffer, room.at + SNAPSHOT_ENTRY + 4, at + HEADER, at + HEADER + metaLength);
        entries++;
      }
      if (i === before) {
        // A meta larger than the window (or a segment shorter than the index says).
        const needed = HEADER + window.readUInt32LE(9);
        if (length < window.length || needed <= window.length) throw new Error(`segment ${seg} ends before the meta at ${start + HEADER}`);
        window = Buffer.allocUnsafe(needed);
      }
      await out.drain();
    }
  } finally {
    await handle?.close();
  }
  return entries;
}
