import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScorerSettings, scorerFromEnvironment } from './scorer.js';

const work = mkdtempSync(join(tmpdir(), 'mtakit-scorer-settings-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('scorer settings (MTAKIT_SCORER, MTAKIT_SCORER_CONFIG)', () => {
  it('is on with the scorer’s defaults when nothing is configured', () => {
    expect(loadScorerSettings({}, work)).toEqual({
      enabled: true, file: undefined, defaults: undefined, tenants: {}, stageBudgetMs: undefined, pipelineBudgetMs: undefined,
      acknowledgementMs: 7 * 86_400_000, modules: [],
    });
    expect(loadScorerSettings({ MTAKIT_SCORER: 'off' }, work).enabled).toBe(false);
    expect(() => loadScorerSettings({ MTAKIT_SCORER: 'no' }, work)).toThrow(/MTAKIT_SCORER="?no"?.*must be on or off/);
  });
  it('adds no plugin with MTAKIT_SCORER=off, the scorer plugin otherwise', () => {
    expect(scorerFromEnvironment({ MTAKIT_SCORER: 'off' }, work)).toEqual([]);
    expect(scorerFromEnvironment({}, work).map((p) => p.name)).toEqual(['scorer']);
  });
});
