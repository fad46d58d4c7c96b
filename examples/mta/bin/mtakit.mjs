#!/usr/bin/env node
// The `mtakit` command. It runs the TypeScript sources directly (through tsx), resolving
// @mtakit/* packages to their sources with the "@mtakit/source" export condition, so the
// example needs no build step.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

register('./source-condition.mjs', import.meta.url);
registerTsx();
const { main } = await import('../src/cli.ts');
await main(process.argv);
