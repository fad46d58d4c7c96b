import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { loadSettings, smarthostSyntax } from './load.js';
import { configurationMarkdown, settingsHelp } from './render.js';
import { BY_ENV, CONFIG_FILE_VARIABLE, SETTINGS } from './table.js';

const exampleDir = join(import.meta.dirname, '../..');
const repoRoot = join(exampleDir, '../..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function dirWithConfig(config: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'mtakit-settings-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'mtakit.config.json'), JSON.stringify(config));
  return dir;
}

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (/\.ts$/.test(name) && !name.endsWith('.test.ts')) yield path;
  }
}

describe('the settings table', () => {
  it('knows every MTAKIT_* variable the example reads', () => {
    const used = new Set<string>();
    for (const file of sources(join(exampleDir, 'src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\bMTAKIT_[A-Z_]*[A-Z]\b/g)) used.add(m[0]);
    }
    const unknown = [...used].filter((v) => v !== CONFIG_FILE_VARIABLE && !BY_ENV.has(v));
    expect(unknown).toEqual([]);
    expect(used.size).toBeGreaterThan(30);
  });

  it('is what docs/configuration.md says (run `npm run docs:config` after changing the table)', () => {
    expect(readFileSync(join(repoRoot, 'docs/configuration.md'), 'utf8')).toBe(configurationMarkdown());
  });

  it('is listed in full by `mtakit start --help`', () => {
    const help = settingsHelp();
    for (const s of SETTINGS) expect(help).toContain(`${s.env} (${s.key})`);
  });

  it('has one variable and one key per setting', () => {
    expect(new Set(SETTINGS.map((s) => s.env)).size).toBe(SETTINGS.length);
    expect(new Set(SETTINGS.map((s) => s.key)).size).toBe(SETTINGS.length);
  });
});

describe('loadSettings', () => {
  it('accepts every kind of setting in the JSON file, feature switches included, and hands them to the plugins as variables', () => {
    const dir = dirWithConfig({ shaping: false, scorer: 'off', shaping_files: ['a.toml', 'b.toml'], bounce_domains: ['bounces.example.com'], soft_bounce_count: 5, smarthost: 'relay.example.com:2525', users: [{ username: 'u', password: 'p', tenant: 't' }] });
    const loaded = loadSettings({}, dir);
    expect(loaded.env).toMatchObject({
      MTAKIT_SHAPING: 'off', MTAKIT_SCORER: 'off', MTAKIT_SHAPING_FILES: 'a.toml,b.toml', MTAKIT_BOUNCE_DOMAINS: 'bounces.example.com',
      MTAKIT_SUPPRESSION_SOFT_COUNT: '5', MTAKIT_AUTH_USERS: 'u:p:t',
    });
    expect(loadConfig({}, dir)).toMatchObject({ smarthost: 'relay.example.com:2525', credentials: new Map([['u', { password: 'p', tenant: 't' }]]) });
    // The environment overrides the file.
    expect(loadSettings({ MTAKIT_SHAPING: 'on' }, dir).env['MTAKIT_SHAPING']).toBe('on');
  });

  it('refuses unknown keys and variables with the closest known name', () => {
    expect(() => loadSettings({}, dirWithConfig({ smtp_listn: '127.0.0.1:25' }))).toThrow(/smtp_listn.*is not a known setting; did you mean "smtp_listen" \(MTAKIT_SMTP_LISTEN\)/);
    expect(() => loadSettings({}, dirWithConfig({ MTAKIT_SMARTHOST: 'a.example:25' }))).toThrow(/the key of MTAKIT_SMARTHOST is "smarthost"/);
    expect(() => loadSettings({ MTAKIT_SMARTHOTS: 'x' }, tmpdir())).toThrow(/MTAKIT_SMARTHOTS="\(hidden\)": is not a known setting; did you mean MTAKIT_SMARTHOST \(smarthost\)/);
    // A name far from every setting may be a secret a file names: said, not refused.
    expect(loadSettings({ MTAKIT_ACME_HOOK_SECRET: 's3cret' }, tmpdir()).warnings).toEqual([expect.stringMatching(/^MTAKIT_ACME_HOOK_SECRET is not a setting of mtakit start/)]);
    expect(() => loadSettings({ MTAKIT_SUPPRESSION: 'rejct' }, tmpdir())).toThrow(/MTAKIT_SUPPRESSION \(suppression\)="rejct": must be one of reject, log, off; did you mean "reject"/);
  });

  it('names the variable and the key of a bad value, and hides secrets', () => {
    expect(() => loadConfig({ MTAKIT_MAX_RECIPIENTS: 'many' }, tmpdir())).toThrow(/MTAKIT_MAX_RECIPIENTS \(max_recipients\)="many": must be a whole number/);
    expect(() => loadConfig({ MTAKIT_POLICY_BUDGET: 'fast' }, tmpdir())).toThrow(/MTAKIT_POLICY_BUDGET \(policy_budget\)="fast"/);
    expect(() => loadConfig({}, dirWithConfig({ fsync: 'yes' }))).toThrow(/MTAKIT_FSYNC \(fsync\)="yes": must be true or false/);
    const secret = (() => {
      try {
        loadConfig({ MTAKIT_AUTH_USERS: 'alice' }, tmpdir());
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(secret).toMatch(/MTAKIT_AUTH_USERS \(users\)\[0\]="\(hidden\)"/);
  });

  it('refuses a smart host that is not host[:port]', () => {
    expect(() => loadConfig({ MTAKIT_SMARTHOST: 'nonsense' }, tmpdir())).toThrow(/MTAKIT_SMARTHOST \(smarthost\)="nonsense": must be host\[:port\]/);
    for (const good of ['127.0.0.1:2525', 'smtp.example.com', 'smtp.example.com:587', '[::1]:25', 'localhost:2525']) expect(smarthostSyntax(good)).toBe(true);
    for (const bad of ['nonsense', 'smtp.example.com:0', 'smtp.example.com:99999', 'a b.example.com', 'host:port', '::1:25']) expect(smarthostSyntax(bad)).toBe(false);
  });
});

describe('mtakit start', () => {
  const bin = join(exampleDir, 'bin/mtakit.mjs');
  let busy: Server | undefined;
  afterAll(() => busy?.close());

  it('names the listener and the address when its port is taken, without a stack trace', async () => {
    busy = createServer();
    const port = await new Promise<number>((resolve) => busy!.listen(0, '127.0.0.1', () => resolve((busy!.address() as { port: number }).port)));
    const dataDir = mkdtempSync(join(tmpdir(), 'mtakit-settings-'));
    dirs.push(dataDir);
    const r = spawnSync(process.execPath, [bin, 'start'], {
      cwd: dataDir, encoding: 'utf8', timeout: 60_000,
      env: { ...process.env, MTAKIT_DATA_DIR: dataDir, MTAKIT_SMTP_LISTEN: `127.0.0.1:${port}`, MTAKIT_HTTP_LISTEN: '127.0.0.1:0', MTAKIT_SHAPING: 'off', MTAKIT_SCORER: 'off' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`MTAKIT_SMTP_LISTEN \\(smtp_listen\\)="127\\.0\\.0\\.1:${port}": the SMTP listener cannot listen on 127\\.0\\.0\\.1:${port}: the address is already in use .*EADDRINUSE`));
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 90_000);
});
