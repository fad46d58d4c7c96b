// The example's build: the `mtakit` command as plain JavaScript (dist/cli.js), so the bin starts
// without compiling TypeScript. The @mtakit packages stay external (their own dist/ builds).
import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { cli: 'src/cli.ts' },
  format: ['esm'],
  dts: false,
  splitting: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
