// Trains the scorer's content model (packages/scorer/model/content-model.bin) on the tuning half of
// the development corpora: every TREC 2007 message whose sha256 puts it in the "tune" split (the
// rule of bench/scorer-corpus.ts, so no message of the check split is read), labelled by TREC's
// own ham/spam index, plus the tune-split unspy newsletters. The check split of the manifest is
// only scored, for the figures printed at the end.
//
//   node --conditions=@mtakit/source --import tsx bench/scorer-train.ts [--epochs=6] [--l2=1e-3] [--min-df=30] [--ham-budget=0.0025] [--dry-run | --out=FILE]
//
// Logistic regression over the hashed features of packages/scorer/src/model/features.ts that occur
// in at least --min-df training messages, binary (each feature counted once per message), fitted by
// AdaGrad SGD with L2 shrinkage of the weights a message touches; each class weighs half of the
// loss. The bias is then lowered by an offset calibrated out of fold (see `calibrate`). The order of the messages is a seeded
// shuffle and every step is plain arithmetic, so a run on the same corpora writes the same file.
// Weights are quantized to int8 (scale = largest |weight| / 127); those that round to 0 are dropped.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONTENT_MODEL_FILE, ContentModel, extractModelFeatures, parseContent } from '@mtakit/scorer';

import { corporaOrSkip, loadMessage, readManifest, sha256, splitOf } from './scorer-corpus.js';

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const EPOCHS = arg('epochs', 6);
const L2 = arg('l2', 1e-3);
const RATE = arg('rate', 0.1);
const MIN_DF = arg('min-df', 30);
/** Out-of-fold share of legitimate mail the model alone may put at p ≥ 0.5 (the calibration). */
const HAM_BUDGET = arg('ham-budget', 0.0025);

interface Example { hashes: Uint32Array; spam: boolean }
interface Trained { w: Map<number, number>; bias: number }

function example(dir: string, path: string, spam: boolean): Example {
  const message = loadMessage(readFileSync(join(dir, path)));
  const features = extractModelFeatures(message, parseContent(message));
  return { hashes: Uint32Array.from(features.map((f) => f.hash)), spam };
}

function trainingSet(dir: string): Example[] {
  const out: Example[] = [];
  for (const line of readFileSync(join(dir, 'trec07p/full/index'), 'utf8').trim().split('\n')) {
    const [label = '', ref = ''] = line.split(' ');
    const path = join('trec07p/data', ref.replace('../data/', ''));
    if (splitOf(sha256(readFileSync(join(dir, path)))) !== 'tune') continue;
    out.push(example(dir, path, label === 'spam'));
  }
  for (const e of readManifest()) if (e.source !== 'trec07p' && e.split === 'tune') out.push(example(dir, e.path, e.class === 'spam' || e.class === 'phishing'));
  return out;
}

/** Mulberry32: a small seeded generator, for a shuffle that is the same on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The features seen in at least MIN_DF messages: rarer ones are names, typos and noise. */
function vocabulary(examples: readonly Example[]): Map<number, number> {
  const df = new Map<number, number>();
  for (const e of examples) for (const h of e.hashes) df.set(h, (df.get(h) ?? 0) + 1);
  const index = new Map<number, number>();
  for (const [h, n] of [...df].sort((a, b) => a[0] - b[0])) if (n >= MIN_DF) index.set(h, index.size);
  return index;
}

function train(examples: readonly Example[]): Trained {
  const vocab = vocabulary(examples);
  const rows = examples.map((e) => Uint32Array.from([...e.hashes].map((h) => vocab.get(h) ?? -1).filter((i) => i >= 0)));
  const w = new Float64Array(vocab.size);
  const g2 = new Float64Array(vocab.size).fill(1e-8);
  let bias = 0;
  let biasG2 = 1e-8;
  const spam = examples.filter((e) => e.spam).length;
  const classWeight = (e: Example) => examples.length / (2 * (e.spam ? spam : examples.length - spam));
  const next = random(17);
  const order = examples.map((_, i) => i);
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j] ?? 0, order[i] ?? 0];
    }
    for (const index of order) {
      const e = examples[index];
      const row = rows[index];
      if (e === undefined || row === undefined) continue;
      let z = bias;
      for (const b of row) z += w[b] ?? 0;
      const g = (1 / (1 + Math.exp(-z)) - (e.spam ? 1 : 0)) * classWeight(e);
      for (const b of row) {
        const grad = g + L2 * (w[b] ?? 0);
        g2[b] = (g2[b] ?? 0) + grad * grad;
        w[b] = (w[b] ?? 0) - (RATE * grad) / Math.sqrt(g2[b] ?? 1);
      }
      biasG2 += g * g;
      bias -= (RATE * g) / Math.sqrt(biasG2);
    }
  }
  return { w: new Map([...vocab].map(([h, i]) => [h, w[i] ?? 0])), bias };
}

const logitOf = (t: Trained, e: Example) => [...e.hashes].reduce((z, h) => z + (t.w.get(h) ?? 0), t.bias);

/**
 * The calibration: two models, each trained on one half of the tuning messages, score the other
 * half; the offset is what brings the out-of-fold legitimate mail at p ≥ 0.5 down to HAM_BUDGET.
 * The in-sample scores of the final model would be far too confident to calibrate on.
 */
function calibrate(examples: readonly Example[]): number {
  const halves = [examples.filter((_, i) => i % 2 === 0), examples.filter((_, i) => i % 2 === 1)];
  const outOfFold = halves.flatMap((half, k) => {
    const model = train(halves[1 - k] ?? []);
    return half.map((e) => ({ spam: e.spam, z: logitOf(model, e) }));
  });
  const ham = outOfFold.filter((x) => !x.spam).map((x) => x.z).sort((a, b) => b - a);
  const offset = Math.max(0, ham[Math.floor(HAM_BUDGET * ham.length)] ?? 0);
  const spam = outOfFold.filter((x) => x.spam);
  console.log(`out-of-fold: ham at p≥0.5 before/after the offset ${offset.toFixed(2)}: ${ham.filter((z) => z >= 0).length}/${ham.length} → ${ham.filter((z) => z >= offset).length}; spam recall ${(spam.filter((x) => x.z >= 0).length / spam.length).toFixed(4)} → ${(spam.filter((x) => x.z >= offset).length / spam.length).toFixed(4)}`);
  return offset;
}

function quantize(t: Trained, offset: number): ContentModel {
  let max = 0;
  for (const x of t.w.values()) max = Math.max(max, Math.abs(x));
  const scale = max / 127;
  return new ContentModel(new Map([...t.w].map(([h, x]) => [h, Math.round(x / scale)])), scale, t.bias - offset);
}

function auc(bad: number[], good: number[]): number {
  const all = [...bad.map((s) => ({ s, bad: true })), ...good.map((s) => ({ s, bad: false }))].sort((a, b) => a.s - b.s);
  let goodBelow = 0;
  let wins = 0;
  for (const x of all) if (x.bad) wins += goodBelow; else goodBelow++;
  return wins / (bad.length * good.length);
}

const manifest = readManifest();
const dir = corporaOrSkip(manifest);
if (dir !== undefined) {
  const examples = trainingSet(dir);
  console.log(`training on ${examples.length} tune-split messages (${examples.filter((e) => e.spam).length} spam), features in ≥ ${MIN_DF} messages, ${EPOCHS} epochs, l2 ${L2}`);
  const offset = calibrate(examples);
  const model = quantize(train(examples), offset);
  console.log(`${model.size} weights`);
  const logit = (e: Example) => model.logit([...e.hashes].map((hash) => ({ hash })));
  console.log(`tune AUC ${auc(examples.filter((e) => e.spam).map(logit), examples.filter((e) => !e.spam).map(logit)).toFixed(4)}`);
  const check = manifest.filter((e) => e.split === 'check').map((e) => ({ cls: e.class, z: logit(example(dir, e.path, false)) }));
  for (const cls of ['personal', 'newsletter', 'spam', 'phishing']) {
    const z = check.filter((c) => c.cls === cls).map((c) => c.z).sort((a, b) => a - b);
    const share = (t: number) => `${((100 * z.filter((x) => x >= t).length) / z.length).toFixed(1)}%`;
    console.log(`check ${cls.padEnd(10)} n=${z.length}  p≥0.5 ${share(0)}  p≥0.65 ${share(Math.log(0.65 / 0.35))}  p≥0.9 ${share(Math.log(9))}  median logit ${z[z.length >> 1]?.toFixed(2)}`);
  }
  const bad = check.filter((c) => c.cls === 'spam' || c.cls === 'phishing').map((c) => c.z);
  console.log(`check AUC ${auc(bad, check.filter((c) => c.cls === 'personal' || c.cls === 'newsletter').map((c) => c.z)).toFixed(4)}`);
  if (!process.argv.includes('--dry-run')) {
    const out = process.argv.find((a) => a.startsWith('--out='))?.slice(6) ?? CONTENT_MODEL_FILE;
    writeFileSync(out, model.encode());
    console.log(`wrote ${typeof out === 'string' ? out : out.pathname}`);
  }
}
