// `npm run bench`: the end-to-end SMTP benchmark with its defaults (see bench/README.md for the others).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const r = spawnSync(process.execPath, [join(import.meta.dirname, 'smtp-e2e.mjs'), ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
