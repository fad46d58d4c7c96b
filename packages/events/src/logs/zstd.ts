import { compress, decompress, init } from '@bokuweb/zstd-wasm';

/**
 * zstd through WebAssembly (no native addon, nothing to build): Node 20's zlib has no zstd. The
 * module is initialised once, on first use.
 */
let ready: Promise<void> | undefined;

export async function zstd(): Promise<{ compress(data: Uint8Array, level: number): Uint8Array; decompress(data: Uint8Array): Uint8Array }> {
  ready ??= init();
  await ready;
  return { compress, decompress };
}
