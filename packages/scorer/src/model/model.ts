import { readFileSync } from 'node:fs';
import { ConfigError } from '@mtakit/core';
import type { Feature } from './features.js';

/** Where the hashes start: magic, version, 3 reserved bytes, n, scale, bias. */
const DATA = 20;

/**
 * A logistic model over hashed features: an int8 weight (times a scale) for each feature hash it
 * was trained on, plus a bias; a feature it does not know weighs 0. The file
 * (`model/content-model.bin`, written by bench/scorer-train.ts) is `"MTKM"`, version 2 (u8),
 * 3 reserved bytes, the number of weights n (u32 LE), scale (f32 LE), bias (f32 LE), then n
 * ascending u32 LE hashes and n int8 weights.
 */
export class ContentModel {
  readonly #weights: ReadonlyMap<number, number>;
  readonly #scale: number;
  readonly #bias: number;

  constructor(weights: ReadonlyMap<number, number>, scale: number, bias: number) {
    this.#weights = weights;
    this.#scale = scale;
    this.#bias = bias;
  }

  static decode(data: Uint8Array): ContentModel {
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const magic = String.fromCharCode(...data.subarray(0, 4));
    if (magic !== 'MTKM' || data[4] !== 2) throw new ConfigError('model', magic, 'not an mtakit content model (version 2)');
    const n = view.getUint32(8, true);
    if (data.byteLength !== DATA + 5 * n) throw new ConfigError('model', data.byteLength, `a model of ${n} weights has ${DATA + 5 * n} bytes`);
    const weights = new Map<number, number>();
    for (let i = 0; i < n; i++) weights.set(view.getUint32(DATA + 4 * i, true), view.getInt8(DATA + 4 * n + i));
    return new ContentModel(weights, view.getFloat32(12, true), view.getFloat32(16, true));
  }

  static read(file: URL | string): ContentModel {
    return ContentModel.decode(readFileSync(file));
  }

  /** The file form; weights that are 0 are left out. */
  encode(): Uint8Array {
    const entries = [...this.#weights].filter(([, w]) => w !== 0).sort((a, b) => a[0] - b[0]);
    const n = entries.length;
    const out = new Uint8Array(DATA + 5 * n);
    const view = new DataView(out.buffer);
    out.set([0x4d, 0x54, 0x4b, 0x4d, 2]);
    view.setUint32(8, n, true);
    view.setFloat32(12, this.#scale, true);
    view.setFloat32(16, this.#bias, true);
    entries.forEach(([hash, w], i) => {
      view.setUint32(DATA + 4 * i, hash, true);
      view.setInt8(DATA + 4 * n + i, w);
    });
    return out;
  }

  get size(): number {
    return this.#weights.size;
  }

  weight(feature: Pick<Feature, 'hash'>): number {
    return (this.#weights.get(feature.hash) ?? 0) * this.#scale;
  }

  /** The log-odds that the message is spam, from its features (each counted once). */
  logit(features: ReadonlyArray<Pick<Feature, 'hash'>>): number {
    let z = this.#bias;
    for (const f of features) z += this.weight(f);
    return z;
  }
}

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
