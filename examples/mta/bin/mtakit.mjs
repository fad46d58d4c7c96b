#!/usr/bin/env node
// The `mtakit` command. After `npm run build` it runs the built JavaScript (dist/cli.js, with the
// @mtakit packages' dist/), which starts in a fraction of the time; without a build, or when a
// source file is newer than the build, it runs the TypeScript sources through tsx, resolving
// @mtakit/* packages to their sources with the "@mtakit/source" export condition.
import { readdirSync, statSync } from 'node:fs';
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/cli.js', import.meta.url);

/** Newest modification time of the TypeScript sources (the example's and the packages'). */
function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  walk(fileURLToPath(new URL('../src', import.meta.url)));
  let packages = [];
  try {
    packages = readdirSync(`${root}/packages`, { withFileTypes: true }).filter((p) => p.isDirectory());
  } catch {
    // Not in the monorepo: only the example's own sources count.
  }
  for (const pkg of packages) walk(`${root}/packages/${pkg.name}/src`);
  return newest;
}

function builtIsCurrent() {
  try {
    return statSync(built).mtimeMs >= newestSource();
  } catch {
    return false; // not built
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
