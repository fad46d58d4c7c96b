import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { MtaConfig } from './config.js';
import { syncScorerOverrides } from './shards.js';

const dir = mkdtempSync(join(tmpdir(), 'mtakit-shards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('syncScorerOverrides', () => {
  it('gives a shard every hold override any shard recorded, once, keeping its own', async () => {
    const config = { dataDir: dir } as MtaConfig;
    // Shards 1 and 2 have run (each has a spool); shard 3 is new.
    for (const i of [1, 2, 3]) mkdirSync(join(dir, `shard-${i}`, 'spool'), { recursive: true });
    writeFileSync(join(dir, 'scorer-overrides.jsonl'), '{"campaign":"a"}\n{"campaign":"b"}\n');
    writeFileSync(join(dir, 'shard-1', 'scorer-overrides.jsonl'), '{"campaign":"b"}\n{"campaign":"c"}\n');
    writeFileSync(join(dir, 'shard-2', 'scorer-overrides.jsonl'), '{"campaign":"a"}\n');
    await syncScorerOverrides(config, 3);
    expect(readFileSync(join(dir, 'shard-3', 'scorer-overrides.jsonl'), 'utf8')).toBe('{"campaign":"a"}\n{"campaign":"b"}\n{"campaign":"c"}\n');
    await syncScorerOverrides(config, 2);
    expect(readFileSync(join(dir, 'shard-2', 'scorer-overrides.jsonl'), 'utf8')).toBe('{"campaign":"a"}\n{"campaign":"b"}\n{"campaign":"c"}\n');
  });
});
