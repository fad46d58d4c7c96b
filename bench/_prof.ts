import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseReport, summarize, BounceClassifier } from '@mtakit/bounce';
import { parseMime } from '../packages/bounce/src/mime.js';
const dir = '/work/shared/data/bounces-dev/messages';
const files = readdirSync(dir).flatMap((s) => readdirSync(join(dir, s)).map((f) => readFileSync(join(dir, s, f))));
const c = new BounceClassifier();
for (let round = 0; round < 4; round++) {
  let t = performance.now();
  for (const f of files) parseMime(f);
  const mime = performance.now() - t;
  t = performance.now();
  const reports = [];
  for (const f of files) reports.push(await parseReport(f).catch(() => null));
  const rep = performance.now() - t;
  t = performance.now();
  for (const r of reports) if (r) summarize(r, c);
  const cls = performance.now() - t;
  console.log(`mime ${(files.length / (mime / 1000)).toFixed(0)}/s  report ${(files.length / (rep / 1000)).toFixed(0)}/s classify ${(files.length / (cls / 1000)).toFixed(0)}/s`);
}
