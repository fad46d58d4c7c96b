import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '../../..');
const script = join(repo, 'scripts/check-boundaries.mjs');
const work = mkdtempSync(join(tmpdir(), 'mtakit-boundaries-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function check(root: string) {
  return spawnSync(process.execPath, [script, root], { encoding: 'utf8' });
}

/** An import line, built so that this file itself does not contain one the check would see. */
const importOf = (name: string, path: string) => `import { ${name} } from '${path}';\n`;

/** A copy of the repository's package manifests and sources, to break on purpose. */
function copyOfRepo(name: string): string {
  const root = join(work, name);
  for (const pkg of ['core', 'queue', 'shaping', 'bounce', 'scorer', 'lua']) {
    cpSync(join(repo, 'packages', pkg, 'src'), join(root, 'packages', pkg, 'src'), { recursive: true });
    cpSync(join(repo, 'packages', pkg, 'package.json'), join(root, 'packages', pkg, 'package.json'));
  }
  return root;
}

describe('import-boundary check', () => {
  it('passes on the repository as it is', () => {
    const r = check(repo);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('fails when queue imports shaping', () => {
    const root = copyOfRepo('queue-imports-shaping');
    writeFileSync(join(root, 'packages/queue/src/bad.ts'), "import { something } from '@mtakit/shaping';\nexport const x = something;\n");
    const r = check(root);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("packages/queue/src/bad.ts: imports '@mtakit/shaping'");
  });

  it('fails when core imports another package or a package reaches across by path', () => {
    const root = copyOfRepo('core-imports');
    mkdirSync(join(root, 'packages/core/src/x'), { recursive: true });
    writeFileSync(join(root, 'packages/core/src/x/bad.ts'), "export * from '@mtakit/queue';\n");
    writeFileSync(join(root, 'packages/scorer/src/bad.ts'), "export * from '../../lua/src/index.js';\n");
    const r = check(root);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("packages/core/src/x/bad.ts: imports '@mtakit/queue'");
    expect(r.stderr).toContain('reaches outside packages/scorer');
  });

  it("fails when core's bottom layer imports a runtime dependency or an edge", () => {
    const root = copyOfRepo('core-bottom');
    writeFileSync(join(root, 'packages/core/src/contracts/bad.ts'), "import type { Registry } from 'prom-client';\nimport { SmtpIngress } from '../smtp/ingress.js';\nexport type X = [Registry, SmtpIngress];\n");
    writeFileSync(join(root, 'packages/core/src/message/fine.ts'), "import { createHash } from 'node:crypto';\nimport { MtaKitError } from '../errors.js';\nexport const y = [createHash, MtaKitError];\n");
    const r = check(root);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("packages/core/src/contracts/bad.ts: imports 'prom-client' (core's bottom layer may import no runtime dependency)");
    expect(r.stderr).toContain("packages/core/src/contracts/bad.ts: imports '../smtp/ingress.js' (core's bottom layer may not import an edge: smtp/ingress.ts)");
    expect(r.stderr).not.toContain('message/fine.ts');
  });

  it('fails when a package, its tests or a benchmark imports the example', () => {
    const root = copyOfRepo('imports-example');
    mkdirSync(join(root, 'packages/tests/src'), { recursive: true });
    writeFileSync(join(root, 'packages/tests/package.json'), '{ "name": "@mtakit/tests", "private": true }\n');
    writeFileSync(join(root, 'packages/tests/src/e2e.test.ts'), `${importOf('startMta', '../../../examples/mta/src/mta.js')}export const s = startMta;\n`);
    mkdirSync(join(root, 'bench'), { recursive: true });
    writeFileSync(join(root, 'bench/run.ts'), `${importOf('loadConfig', '../examples/mta/src/config.js')}export const l = loadConfig;\n`);
    const r = check(root);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("packages/tests/src/e2e.test.ts: imports '../../../examples/mta/src/mta.js' (nothing may import the examples)");
    expect(r.stderr).toContain("bench/run.ts: imports '../examples/mta/src/config.js' (nothing may import the examples)");
  });

  it("fails when a package's main entry loads an optional peer dependency statically", () => {
    const root = copyOfRepo('optional-peer');
    writeFileSync(join(root, 'packages/shaping/src/index.ts'), `${readFileSync(join(root, 'packages/shaping/src/index.ts'), 'utf8')}export { RedisShapingStore } from './stores/redis.js';\n`);
    const r = check(root);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("packages/shaping/src/stores/redis.ts: imports 'ioredis' (an optional peer of packages/shaping, loaded by its main entry");
  });
});
