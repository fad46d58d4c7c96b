import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeRecord, RecordType } from './record-format.js';
import { SegmentWriter } from './segment-writer.js';

describe('SegmentWriter', () => {
  it('never strands an append made by a caller the previous batch just resumed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mtakit-seg-'));
    const writer = new SegmentWriter(dir, { segmentBytes: 1 << 20, fsync: false });
    await writer.open(1);
    // Back-to-back awaited appends: each is made in the continuation of the previous batch.
    for (let i = 0; i < 50; i++) {
      const at = await writer.append(encodeRecord(RecordType.Remove, i.toString(16).padStart(32, '0'), ''));
      expect(at.segment).toBe(1);
    }
    await writer.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
