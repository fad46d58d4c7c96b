// Inclusive share of the busy samples for chosen frames, across several V8 CPU profiles (node
// --cpu-prof), as Markdown table rows: how much of the main thread a piece of the path takes, before
// and after a change. A sample counts once for a label when any frame of its stack matches.
//   node bench/lib/cpuprofile-frames.mjs 'label=regex;label=regex' A.cpuprofile B.cpuprofile ...
// The regex is matched against "functionName url:line".
import { readFileSync } from 'node:fs';

const [spec, ...files] = process.argv.slice(2);
if (!spec || files.length === 0) {
  console.error("usage: cpuprofile-frames.mjs 'label=regex;…' FILE.cpuprofile…");
  process.exit(2);
}
const labels = spec.split(';').map((s) => {
  const at = s.indexOf('=');
  return { label: s.slice(0, at), re: new RegExp(s.slice(at + 1)) };
});
const rows = labels.map(({ label }) => [label]);
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url}:${n.callFrame.lineNumber + 1}`;
  const hit = labels.map(() => 0);
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const dt = profile.timeDeltas[i] ?? 0;
    if (node.callFrame.functionName === '(idle)') continue;
    busy += dt;
    const stack = [];
    for (let id = node.id; id !== undefined; id = parent.get(id)) stack.push(name(byId.get(id)));
    labels.forEach(({ re }, k) => {
      if (stack.some((frame) => re.test(frame))) hit[k] += dt;
    });
  }
  hit.forEach((h, k) => rows[k].push(`${((100 * h) / busy).toFixed(1)} %`));
}
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
