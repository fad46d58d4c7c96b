#!/usr/bin/env node
// Import-boundary check (DESIGN.md §2):
// - peers: @mtakit/core imports no package of ours; every other library package imports only
//   @mtakit/core; no package reaches into another by relative path;
// - nothing imports the example: no package (tests included) and no benchmark imports examples/;
// - core in layers: core's bottom layer (contracts, message, config, policy, errors, clock, pure
//   helpers such as the auth failure limiter and outside-store health, log
//   records and bus) imports only node: builtins and itself — no runtime dependency, no edge
//   (SMTP, HTTP, DNS, metrics, DKIM, testing, mta…);
// - optional integrations: a package's optional peer dependencies (ioredis, broker clients) are
//   not imported statically by anything its main entry loads — only by subpaths or `import()`.
// Usage: node scripts/check-boundaries.mjs [repo-root]   (exit 1 and a list of violations on failure)
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';

const root = resolve(process.argv[2] ?? '.');
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;

/** Core's bottom layer, relative to packages/core/src: a directory (ending in /) or a file. */
const CORE_BOTTOM = [
  'index.ts', 'errors.ts', 'clock.ts', 'contracts/', 'message/', 'config/', 'policy/', 'util/', 'auth/', 'health/',
  'log/records.ts', 'log/bus.ts', 'log/record-defaults.ts',
];

function* sourceFiles(dir) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'node_modules' && name !== 'dist') yield* sourceFiles(path);
    } else if (/\.(m|c)?[jt]s$/.test(name)) yield path;
  }
}

function* imports(file) {
  for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) yield match[1];
}

/** Every package directory: the libraries (with a `src`) and the workspace's test packages. */
const packages = existsSync(join(root, 'packages')) ? readdirSync(join(root, 'packages')).filter((p) => existsSync(join(root, 'packages', p, 'package.json'))) : [];
const libraries = packages.filter((p) => !JSON.parse(readFileSync(join(root, 'packages', p, 'package.json'), 'utf8')).private);
const violations = [];

// Peers import only core.
for (const pkg of libraries) {
  const pkgDir = join(root, 'packages', pkg);
  const allowed = pkg === 'core' ? [] : ['core'];
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
    for (const dep of Object.keys(manifest[field] ?? {})) {
      const m = /^@mtakit\/([^/]+)/.exec(dep);
      if (m && !allowed.includes(m[1])) violations.push(`packages/${pkg}/package.json: ${field} lists ${dep}`);
    }
  }
  for (const file of sourceFiles(join(pkgDir, 'src'))) {
    for (const spec of imports(file)) {
      const where = `${relative(root, file)}: imports '${spec}'`;
      const ours = /^@mtakit\/([^/]+)/.exec(spec);
      if (ours && ours[1] !== pkg && !allowed.includes(ours[1])) {
        violations.push(`${where} (packages/${pkg} may import ${allowed.length ? allowed.map((a) => `@mtakit/${a}`).join(', ') : 'no @mtakit package'})`);
      } else if (spec.startsWith('.') && !(resolve(dirname(file), spec) + sep).startsWith(pkgDir + sep)) {
        violations.push(`${where} (reaches outside packages/${pkg})`);
      }
    }
  }
}

// Nothing imports the example (its own tests live in examples/*/test).
const examples = join(root, 'examples');
for (const dir of [...packages.map((p) => join(root, 'packages', p)), join(root, 'bench')]) {
  for (const file of sourceFiles(dir)) {
    for (const spec of imports(file)) {
      const target = spec.startsWith('.') ? resolve(dirname(file), spec) : spec;
      if ((target + sep).startsWith(examples + sep) || /(^|\/)examples\//.test(spec)) {
        violations.push(`${relative(root, file)}: imports '${spec}' (nothing may import the examples)`);
      }
    }
  }
}

// Core's bottom layer imports no runtime dependency and no edge.
const coreSrc = join(root, 'packages', 'core', 'src');
const inBottom = (path) => {
  const rel = relative(coreSrc, path).split(sep).join('/');
  return CORE_BOTTOM.some((b) => (b.endsWith('/') ? rel.startsWith(b) : rel === b || rel === b.replace(/\.ts$/, '.js')));
};
for (const file of sourceFiles(coreSrc)) {
  if (!inBottom(file) || file.endsWith('.test.ts')) continue;
  for (const spec of imports(file)) {
    const where = `${relative(root, file)}: imports '${spec}'`;
    if (spec.startsWith('.')) {
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      if (!inBottom(target)) violations.push(`${where} (core's bottom layer may not import an edge: ${relative(coreSrc, target)})`);
    } else if (!spec.startsWith('node:')) {
      violations.push(`${where} (core's bottom layer may import no runtime dependency)`);
    }
  }
}

// Optional peers stay out of the main entry's static imports (type-only imports are erased).
const STATIC_IMPORT = /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s*)?['"]([^'"]+)['"]/gm;
for (const pkg of libraries) {
  const pkgDir = join(root, 'packages', pkg);
  const manifest = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const optional = Object.entries(manifest.peerDependenciesMeta ?? {}).filter(([, m]) => m?.optional).map(([name]) => name);
  const entry = join(pkgDir, 'src', 'index.ts');
  if (optional.length === 0 || !existsSync(entry)) continue;
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file) || !existsSync(file)) return;
    seen.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
      const spec = match[2];
      if (match[1]) continue;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec).replace(/\.js$/, '.ts'));
      else if (optional.some((o) => spec === o || spec.startsWith(`${o}/`))) {
        violations.push(`${relative(root, file)}: imports '${spec}' (an optional peer of packages/${pkg}, loaded by its main entry; load it in a subpath or with import() when configured)`);
      }
    }
  };
  visit(entry);
}

if (violations.length > 0) {
  console.error(`import boundaries violated (${violations.length}):`);
  for (const v of violations) console.error(`  ${v}`);
  process.exit(1);
}
console.log('import boundaries: ok');
