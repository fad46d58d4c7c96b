// Compares two heap snapshots of one process (node --heapsnapshot-signal, v8.writeHeapSnapshot, or
// bench/soak.mjs --snapshots): what grew between them by constructor, and which objects hold the
// most objects that are new in the second (node ids are stable within a process), with a retainer
// chain for each. This is how the soak's heap growth was traced to the scorer's freshness store.
//
//   node --max-old-space-size=6000 bench/lib/heap-diff.mjs first.heapsnapshot second.heapsnapshot
import { readFileSync } from 'node:fs';

function load(file) {
  const s = JSON.parse(readFileSync(file, 'utf8'));
  const f = s.snapshot.meta.node_fields;
  const width = f.length;
  const edgeWidth = s.snapshot.meta.edge_fields.length;
  const at = { id: f.indexOf('id'), type: f.indexOf('type'), name: f.indexOf('name'), size: f.indexOf('self_size'), edges: f.indexOf('edge_count') };
  const count = s.nodes.length / width;
  const types = s.snapshot.meta.node_types[0];
  const edgeTypes = s.snapshot.meta.edge_types[0];
  const firstEdge = new Uint32Array(count + 1);
  for (let k = 0, e = 0; k < count; k++) {
    firstEdge[k] = e;
    e += s.nodes[k * width + at.edges];
  }
  firstEdge[count] = s.edges.length / edgeWidth;
  const type = (k) => types[s.nodes[k * width + at.type]];
  const rawName = (k) => s.strings[s.nodes[k * width + at.name]];
  const label = (k) => {
    const t = type(k);
    return t === 'string' || t === 'concatenated string' || t === 'sliced string' ? `${t}` : t === 'number' ? 'number' : `${t}:${rawName(k).slice(0, 60)}`;
  };
  const edge = (e) => ({ type: edgeTypes[s.edges[e * edgeWidth]], nameOrIndex: s.edges[e * edgeWidth + 1], to: s.edges[e * edgeWidth + 2] / width });
  const edgeName = (x) => (x.type === 'element' || x.type === 'hidden' ? `[${x.nameOrIndex}]` : s.strings[x.nameOrIndex]);
  return { s, width, at, count, firstEdge, label, edge, edgeName, id: (k) => s.nodes[k * width + at.id], size: (k) => s.nodes[k * width + at.size] };
}

const [a, b] = process.argv.slice(2).map(load);
if (!a || !b) {
  console.error('usage: node bench/lib/heap-diff.mjs first.heapsnapshot second.heapsnapshot');
  process.exit(2);
}

const totals = (h) => {
  const m = new Map();
  for (let k = 0; k < h.count; k++) {
    const e = m.get(h.label(k)) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += h.size(k);
    m.set(h.label(k), e);
  }
  return m;
};
const before = totals(a);
const rows = [...totals(b)].map(([label, v]) => ({ label, bytes: v.bytes - (before.get(label)?.bytes ?? 0), count: v.count - (before.get(label)?.count ?? 0) }));
rows.sort((x, y) => y.bytes - x.bytes);
console.log('growth by constructor (bytes, objects):');
for (const r of rows.slice(0, 20)) console.log(`${String(r.bytes).padStart(12)} ${String(r.count).padStart(9)}  ${r.label}`);

const old = new Set();
for (let k = 0; k < a.count; k++) old.add(a.id(k));
const isNew = (k) => !old.has(b.id(k));
const retainers = new Map();
const holders = new Map();
for (let k = 0; k < b.count; k++) {
  for (let e = b.firstEdge[k]; e < b.firstEdge[k + 1]; e++) {
    const x = b.edge(e);
    if (x.type === 'weak') continue;
    if (!retainers.has(x.to)) retainers.set(x.to, []);
    retainers.get(x.to).push({ from: k, edge: x });
    if (isNew(x.to)) holders.set(k, (holders.get(k) ?? 0) + 1);
  }
}
console.log('\nwhat holds the most new objects, with a retainer chain:');
for (const [k, n] of [...holders].sort((x, y) => y[1] - x[1]).slice(0, 5)) {
  console.log(`${n} new objects held by ${b.label(k)}`);
  let cur = k;
  for (let depth = 0; depth < 8; depth++) {
    const r = retainers.get(cur)?.[0];
    if (!r) break;
    console.log(`    <- ${b.label(r.from)} .${b.edgeName(r.edge)}`);
    cur = r.from;
  }
}
