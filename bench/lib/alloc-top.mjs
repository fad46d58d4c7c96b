// Allocation sites of a sampled heap profile (bench/lib/alloc-probe.mjs) by bytes, as a table.
//   node bench/lib/alloc-top.mjs FILE [count=30] [self|incl]
import { readFileSync } from 'node:fs';

const [file, count = '30', mode = 'self'] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const self = new Map();
const incl = new Map();
let total = 0;
const name = (n) => {
  const { functionName, url, lineNumber } = n.callFrame;
  return `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(packages|examples)\//, '$1/')}:${lineNumber + 1}`;
};
const walk = (node, stack) => {
  const key = name(node);
  const size = node.selfSize ?? 0;
  total += size;
  self.set(key, (self.get(key) ?? 0) + size);
  let below = size;
  for (const child of node.children ?? []) below += walk(child, [...stack, key]);
  if (!stack.includes(key)) incl.set(key, (incl.get(key) ?? 0) + below);
  return below;
};
walk(profile.head, []);
console.log(`| site (${mode}) | MiB | % |\n|---|---|---|`);
for (const [key, bytes] of [...(mode === 'incl' ? incl : self)].sort((a, b) => b[1] - a[1]).slice(0, Number(count))) {
  console.log(`| \`${key}\` | ${(bytes / 1048576).toFixed(1)} | ${((100 * bytes) / total).toFixed(1)} |`);
}
console.log(`\n${(total / 1048576).toFixed(1)} MiB sampled in all`);
