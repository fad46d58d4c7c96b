// One build definition for every package: the entry list is read from the package's own
// `exports` map, so the published subpaths and the built files can never drift apart.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'tsup';

interface ExportTarget {
  '@mtakit/source': string;
}

function entriesFromExports(pkgDir: string): Record<string, string> {
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
    exports: Record<string, ExportTarget>;
  };
  const entries: Record<string, string> = {};
  for (const target of Object.values(pkg.exports)) {
    const src = target['@mtakit/source'];
    const out = src.replace(/^\.\/src\//, '').replace(/\.ts$/, '');
    entries[out] = src;
  }
  return entries;
}

export default defineConfig({
  entry: entriesFromExports(process.cwd()),
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
