import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
      acknowledgementMs: 7 * 86_400_000, modules: [], sendingDomains: {}, settingDomains: {}, passRecordSample: 1,
    });
    expect(loadScorerSettings({ MTAKIT_SCORER: 'off' }, work).enabled).toBe(false);
    expect(() => loadScorerSettings({ MTAKIT_SCORER: 'no' }, work)).toThrow(/MTAKIT_SCORER="?no"?.*must be on or off/);
  });
  it('reads the verified sending domains from MTAKIT_SCORER_SENDING_DOMAINS and the file, naming them in errors', () => {
    const file = join(work, 'scorer.json');
    writeFileSync(file, JSON.stringify({ sending_domains: { acme: ['acme.example'] } }));
    const settings = loadScorerSettings({ MTAKIT_SCORER_SENDING_DOMAINS: 'acme=News.Acme.example, beta=beta.example,acme=acme.co.uk', MTAKIT_SCORER_CONFIG: file }, work);
    expect(settings.settingDomains).toEqual({ acme: ['news.acme.example', 'acme.co.uk'], beta: ['beta.example'] });
    expect(settings.sendingDomains).toEqual({ acme: ['acme.example'] });
    expect(() => loadScorerSettings({ MTAKIT_SCORER_SENDING_DOMAINS: 'acme.example' }, work)).toThrow(/MTAKIT_SCORER_SENDING_DOMAINS \(scorer_sending_domains\)="?acme\.example"?.*tenant=domain/);
    expect(() => loadScorerSettings({ MTAKIT_SCORER_SENDING_DOMAINS: 'acme=not a domain' }, work)).toThrow(/tenant=domain/);
    writeFileSync(file, JSON.stringify({ sending_domains: { acme: 'acme.example' } }));
    expect(() => loadScorerSettings({ MTAKIT_SCORER_CONFIG: file }, work)).toThrow(/sending_domains\.acme.*list of domain names/);
  });
  it('adds no plugin with MTAKIT_SCORER=off, the scorer plugin otherwise', () => {
    expect(scorerFromEnvironment({ MTAKIT_SCORER: 'off' }, work)).toEqual([]);
    expect(scorerFromEnvironment({}, work).map((p) => p.name)).toEqual(['scorer']);
  });
});
