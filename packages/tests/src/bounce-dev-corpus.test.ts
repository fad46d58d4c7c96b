import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BounceClassifier } from '@mtakit/bounce';
import { parseCorpus, score, total } from '../../../bench/lib/bounce-dev-eval.js';

// The real-mail development corpus (../shared/data/bounces-dev, see its SOURCES.md) is not part of
// the repository: this test runs where it is present, as in CI, and skips with a message elsewhere.
const dir = fileURLToPath(new URL('../../../../shared/data/bounces-dev/', import.meta.url));
const present = existsSync(`${dir}labels.jsonl`);
if (!present) console.warn(`bounce development corpus not found at ${dir}: its test is skipped`);

describe.skipIf(!present)('bounce parser on the real-mail development corpus', () => {
  it('yields a record with a recipient for 99 % of bounces and names 95 % of labelled recipients', async () => {
    const t = total(score(await parseCorpus(dir, new BounceClassifier()), null));
    expect(t.parsed.ok / t.parsed.n).toBeGreaterThanOrEqual(0.99);
    expect(t.recipients.ok / t.recipients.n).toBeGreaterThanOrEqual(0.95);
    expect(t.kind.ok / t.kind.n).toBeGreaterThanOrEqual(0.98);
  });
});
