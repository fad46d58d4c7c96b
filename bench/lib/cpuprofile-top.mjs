// Top frames of a V8 CPU profile (node --cpu-prof) by self time, as a Markdown table.
//   node bench/lib/cpuprofile-top.mjs FILE.cpuprofile [count=15]
import { readFileSync } from 'node:fs';

const [file, count = '15'] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const self = new Map();
const dt = profile.timeDeltas;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i]);
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(packages|examples)\//, '$1/')}:${lineNumber + 1}` : '';
  const key = `${functionName || '(anonymous)'} ${where}`.trim();
  self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const idle = self.get('(idle)') ?? 0;
console.log(`| frame | self ms | % of busy |`);
console.log('|---|---|---|');
for (const [key, us] of [...self.entries()].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, Number(count))) {
  console.log(`| \`${key}\` | ${(us / 1000).toFixed(0)} | ${((us / (total - idle)) * 100).toFixed(1)} |`);
}
console.log(`\nbusy ${((total - idle) / 1e6).toFixed(1)} s of ${(total / 1e6).toFixed(1)} s sampled`);
