import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBouncesSettings } from './bounces-settings.js';

const dir = mkdtempSync(join(tmpdir(), 'mtakit-bounces-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DAY = 86_400_000;

describe('loadBouncesSettings', () => {
  it('has safe defaults: messages unchanged, reject at RCPT, a journal in the data dir, nothing listening', () => {
    const s = loadBouncesSettings({}, '/var/lib/mtakit', '/srv');
    expect(s).toMatchObject({
      bounceDomains: [], feedbackDomains: [], ruleFiles: [], hooks: undefined, verp: undefined,
      trace: { enabled: false, secret: undefined, includeMeta: [] },
      suppression: { mode: 'reject', store: '/var/lib/mtakit/suppression.jsonl', policy: { softCount: 3, softWindowMs: 7 * DAY, bounceScope: 'global', feedbackScope: 'tenant', trust: 'correlated', ttl: {} } },
      unsubscribe: { listen: undefined, url: undefined, secret: undefined },
    });
  });

  it('stamps the trace header by default once the MTA receives reports, unless told not to', () => {
    expect(loadBouncesSettings({ MTAKIT_BOUNCE_DOMAINS: 'bounce.example.com' }, '/d').trace.enabled).toBe(true);
    expect(loadBouncesSettings({ MTAKIT_VERP_DOMAIN: 'bounce.example.com' }, '/d').trace.enabled).toBe(true);
    expect(loadBouncesSettings({ MTAKIT_BOUNCE_DOMAINS: 'bounce.example.com', MTAKIT_TRACE_HEADER: 'off' }, '/d').trace.enabled).toBe(false);
    expect(loadBouncesSettings({ MTAKIT_TRACE_HEADER: 'on' }, '/d').trace.enabled).toBe(true);
  });

  it('reads the environment over the MTAKIT_BOUNCES_CONFIG file, paths relative to the working directory', () => {
    writeFileSync(join(dir, 'bounces.json'), JSON.stringify({ bounce_domains: ['bounce.example.com'], soft_bounce_count: 5, complaint_ttl: '2 years', trace_meta: ['list_id'] }));
    const s = loadBouncesSettings({
      MTAKIT_BOUNCES_CONFIG: 'bounces.json', MTAKIT_FEEDBACK_DOMAINS: 'FBL.Example.com, fbl2.example.com', MTAKIT_BOUNCE_RULES: 'rules/a.toml,rules/b.json',
      MTAKIT_TRACE_SECRET: 's3cret', MTAKIT_VERP_DOMAIN: 'Bounce.Example.com', MTAKIT_SUPPRESSION: 'log', MTAKIT_SUPPRESSION_STORE: 'redis://10.0.0.5:6379/2',
      MTAKIT_SUPPRESSION_SOFT_COUNT: '2', MTAKIT_SUPPRESSION_BOUNCE_TTL: 'never', MTAKIT_TRACE_HEADER: 'on',
    }, '/data', dir);
    expect(s.bounceDomains).toEqual(['bounce.example.com']);
    expect(s.feedbackDomains).toEqual(['fbl.example.com', 'fbl2.example.com']);
    expect(s.ruleFiles).toEqual([join(dir, 'rules/a.toml'), join(dir, 'rules/b.json')]);
    expect(s.verp).toEqual({ domain: 'bounce.example.com', prefix: 'bounces' });
    expect(s.trace).toEqual({ enabled: true, secret: 's3cret', includeMeta: ['list_id'] });
    expect(s.suppression).toMatchObject({ mode: 'log', store: 'redis://10.0.0.5:6379/2', policy: { softCount: 2, trust: 'verified', ttl: { 'bounce': null, 'complaint': 2 * 31_557_600_000 } } });
  });

  it('names the key or variable and the bad value', () => {
    expect(() => loadBouncesSettings({ MTAKIT_SUPPRESSION: 'maybe' }, '/d')).toThrow(/invalid config bounces\.suppression="maybe": must be one of reject, log, off/);
    expect(() => loadBouncesSettings({ MTAKIT_BOUNCE_DOMAINS: 'ok.example.com,not a domain' }, '/d')).toThrow(/bounces\.bounce_domains\[1\]="not a domain"/);
    expect(() => loadBouncesSettings({ MTAKIT_SUPPRESSION_SOFT_WINDOW: 'a while' }, '/d')).toThrow(/soft_bounce_window/);
    expect(() => loadBouncesSettings({ MTAKIT_UNSUBSCRIBE_LISTEN: '0.0.0.0:8026' }, '/d')).toThrow(/unsubscribe_secret.*is required/);
    expect(() => loadBouncesSettings({ MTAKIT_UNSUBSCRIBE_URL: 'ftp://x', MTAKIT_UNSUBSCRIBE_SECRET: 'k' }, '/d')).toThrow(/unsubscribe_url="ftp:\/\/x": must be an http\(s\) URL/);
    writeFileSync(join(dir, 'typo.json'), JSON.stringify({ bounce_domain: ['x.example'] }));
    expect(() => loadBouncesSettings({ MTAKIT_BOUNCES_CONFIG: 'typo.json' }, '/d', dir)).toThrow(/bounce_domain.*is not a known option/);
    expect(() => loadBouncesSettings({ MTAKIT_BOUNCES_CONFIG: 'missing.json' }, '/d', dir)).toThrow(/MTAKIT_BOUNCES_CONFIG.*cannot read the config file/);
  });
});
