#!/usr/bin/env node
// Import-boundary check (DESIGN.md §2): @mtakit/core imports no package of ours; queue, shaping,
// bounce, scorer and lua import only @mtakit/core; no package reaches into another by relative path.
// Usage: node scripts/check-boundaries.mjs [repo-root]   (exit 1 and a list of violations on failure)
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';

const root = resolve(process.argv[2] ?? '.');
const LIBRARIES = ['core', 'queue', 'shaping', 'bounce', 'scorer', 'lua', 'events'];
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;

function* sourceFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'node_modules' && name !== 'dist') yield* sourceFiles(path);
    } else if (/\.(m|c)?[jt]s$/.test(name)) yield path;
  }
}

function allowedFor(pkg) {
  return pkg === 'core' ? [] : ['core'];
}

const violations = [];
for (const pkg of LIBRARIES) {
  const pkgDir = join(root, 'packages', pkg);
  if (!existsSync(pkgDir)) continue;
  const allowed = allowedFor(pkg);
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const dep of Object.keys(manifest[field] ?? {})) {
      const m = /^@mtakit\/([^/]+)/.exec(dep);
      if (m && !allowed.includes(m[1])) violations.push(`packages/${pkg}/package.json: ${field} lists ${dep}`);
    }
  }
  const srcDir = join(pkgDir, 'src');
  if (!existsSync(srcDir)) continue;
  for (const file of sourceFiles(srcDir)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const spec = match[1];
      const where = `${relative(root, file)}: imports '${spec}'`;
      const ours = /^@mtakit\/([^/]+)/.exec(spec);
      if (ours && !allowed.includes(ours[1])) {
        violations.push(`${where} (packages/${pkg} may import ${allowed.length ? allowed.map((a) => `@mtakit/${a}`).join(', ') : 'no @mtakit package'})`);
      } else if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (!(target + sep).startsWith(pkgDir + sep)) violations.push(`${where} (reaches outside packages/${pkg})`);
      } else if (/(^|\/)examples\//.test(spec)) {
        violations.push(`${where} (nothing may import the examples)`);
      }
    }
  }
}

if (violations.length > 0) {
  console.error(`import boundaries violated (${violations.length}):`);
  for (const v of violations) console.error(`  ${v}`);
  process.exit(1);
}
console.log('import boundaries: ok');
