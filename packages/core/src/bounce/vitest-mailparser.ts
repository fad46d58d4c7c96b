import { createRequire } from 'node:module';
import { dirname, sep } from 'node:path';

/**
 * Test-only shim, imported first by the bounce tests. The repo's vitest config starts workers
 * with `--conditions import`, so Node resolves mailparser's CommonJS
 * `require('nodemailer/lib/addressparser')` to nodemailer's ESM build and mailparser fails with
 * "addressparser is not a function". Outside vitest nothing changes. This pins that one module
 * to its CommonJS build in the require cache before mailparser loads.
 */
const require = createRequire(import.meta.url);
const from = dirname(require.resolve('mailparser'));
const resolved = require.resolve('nodemailer/lib/addressparser', { paths: [from] });
const esm = `${sep}esm${sep}`;
if (resolved.includes(esm)) {
  const cjs = resolved.replace(esm, `${sep}cjs${sep}`);
  require(cjs);
  require.cache[resolved] = require.cache[cjs];
}
