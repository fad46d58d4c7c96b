import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/mta-process.js';

interface Packed {
  name: string;
  files: Array<{ path: string }>;
}

const rootManifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { workspaces: string[] };
/** The workspaces that are published (not private). */
const published = rootManifest.workspaces.filter((w) => !(JSON.parse(readFileSync(join(repoRoot, w, 'package.json'), 'utf8')) as { private?: boolean }).private);

describe('package tarballs (npm pack --dry-run)', () => {
  it('ship LICENSE and no tests, test support or sample messages', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', ...published.flatMap((w) => ['--workspace', w])], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (error, out) => (error ? reject(error) : resolve(out)));
    });
    const packs = JSON.parse(stdout) as Packed[];
    expect(packs.map((p) => p.name).sort()).toEqual(published.map((w) => (JSON.parse(readFileSync(join(repoRoot, w, 'package.json'), 'utf8')) as { name: string }).name).sort());
    expect(packs.length).toBeGreaterThanOrEqual(7);
    for (const pack of packs) {
      const paths = pack.files.map((f) => f.path);
      expect(paths, pack.name).toContain('LICENSE');
      expect(paths.filter((p) => /\.test\.[tj]s$|(^|\/)(fixtures|samples)\/|\.eml$|ingress-(fixture|main)\.ts$/.test(p)), pack.name).toEqual([]);
      expect(paths.some((p) => p.startsWith('src/') && p.endsWith('.ts')), pack.name).toBe(true);
    }
    const shaping = packs.find((p) => p.name === '@mtakit/shaping') as Packed;
    expect(shaping.files.filter((f) => f.path.startsWith('src/testing/'))).toEqual([]);
  }, 180_000);

  it('the repository and every package carry the Apache-2.0 text package.json names', () => {
    const license = readFileSync(join(repoRoot, 'LICENSE'), 'utf8');
    expect(license).toMatch(/Apache License\s+Version 2\.0, January 2004/);
    for (const w of published) {
      const manifest = JSON.parse(readFileSync(join(repoRoot, w, 'package.json'), 'utf8')) as { license: string };
      expect(manifest.license, w).toBe('Apache-2.0');
      expect(readFileSync(join(repoRoot, w, 'LICENSE'), 'utf8'), w).toBe(license);
    }
  });
});
