#!/usr/bin/env node
// The `mtakit` command. After `npm run build` it runs the built JavaScript (dist/cli.js, with the
// @mtakit packages' dist/), which starts in a fraction of the time; without a build, or when a
// source file is newer than the build, it runs the TypeScript sources through tsx, resolving
// @mtakit/* packages to their sources with the "@mtakit/source" export condition.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/cli.js', import.meta.url);

/** The example's and the published packages' directories (only the example's outside the monorepo). */
function projectDirs() {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  const dirs = [fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '')];
  try {
    for (const p of readdirSync(`${root}/packages`, { withFileTypes: true })) {
      const dir = `${root}/packages/${p.name}`;
      // Private packages (the integration tests) are not built.
      if (p.isDirectory() && !JSON.parse(readFileSync(`${dir}/package.json`, 'utf8')).private) dirs.push(dir);
    }
  } catch {
    // Not in the monorepo.
  }
  return dirs;
}

/** Newest modification time of the TypeScript files below `dir`. */
function newestSource(dir) {
  let newest = 0;
  let entries = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** True when every build (the example's and each package's) is newer than every source file. */
function builtIsCurrent() {
  try {
    let oldestBuild = statSync(built).mtimeMs;
    let newestSrc = 0;
    for (const dir of projectDirs()) {
      newestSrc = Math.max(newestSrc, newestSource(`${dir}/src`));
      // A package without a build is resolved to its dist/ too: it must exist.
      if (!dir.endsWith('/examples/mta')) oldestBuild = Math.min(oldestBuild, statSync(`${dir}/dist/index.js`).mtimeMs);
    }
    return oldestBuild >= newestSrc;
  } catch {
    return false; // something is not built
  }
}

let main;
if (builtIsCurrent()) {
  // Policies, hooks and scorer modules may be TypeScript: only the commands that load them pay for tsx.
  if (['start', 'policy'].includes(process.argv[2])) (await import('tsx/esm/api')).register();
  ({ main } = await import(built.href));
} else {
  register('./source-condition.mjs', import.meta.url);
  (await import('tsx/esm/api')).register();
  ({ main } = await import('../src/cli.ts'));
}
await main(process.argv);
