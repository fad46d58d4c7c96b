import { createReadStream } from 'node:fs';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { emptyFrame, noteLine, type FrameInfo, type SegmentIndex } from './segment-index.js';
import { zstd } from './zstd.js';

const FRAME_BYTES = 1024 * 1024;

/**
 * Compresses `<name>.jsonl` into `<name>.jsonl.zst` (frames of whole lines) plus
 * `<name>.jsonl.zst.idx`, then removes the plain file. Crash-safe: both outputs are written under
 * temporary names, synced and renamed (index first), and only then is the original removed, so at
 * every moment one complete copy exists; a leftover `.zst` without the plain file is complete.
 */
export async function compressSegment(path: string, level = 3): Promise<{ rawBytes: number; compressedBytes: number }> {
  const { compress } = await zstd();
  const out = await open(`${path}.zst.tmp`, 'w');
  const index: SegmentIndex = { version: 1, rawBytes: 0, frames: [] };
  let pending: string[] = [];
  let pendingBytes = 0;
  let frame: FrameInfo = emptyFrame(0);
  let offset = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const compressed = compress(Buffer.from(pending.join('')), level);
    await out.write(compressed);
    frame.length = compressed.length;
    index.frames.push(frame);
    offset += compressed.length;
    index.rawBytes += pendingBytes;
    frame = emptyFrame(offset);
    pending = [];
    pendingBytes = 0;
  };
  try {
    const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) {
      if (line === '') continue;
      noteLine(frame, line);
      pending.push(`${line}\n`);
      pendingBytes += Buffer.byteLength(line) + 1;
      if (pendingBytes >= FRAME_BYTES) await flush();
    }
    await flush();
    await out.sync();
  } finally {
    await out.close();
  }
  await writeFile(`${path}.zst.idx.tmp`, JSON.stringify(index));
  await rename(`${path}.zst.idx.tmp`, `${path}.zst.idx`);
  await rename(`${path}.zst.tmp`, `${path}.zst`);
  await rm(path);
  return { rawBytes: index.rawBytes, compressedBytes: offset };
}
