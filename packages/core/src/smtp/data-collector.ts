import type { Readable } from 'node:stream';
import type { ResourceGuard } from './resource-guard.js';

/** A message body as received: its bytes, or why they were not kept. */
export interface CollectedData {
  data: Buffer | undefined;
  /** Over the size limit: counted to the end, never held. */
  tooBig: boolean;
  /** Over the listener's cap on bytes in flight: dropped (load shedding). */
  shed: boolean;
  /** Bytes taken from the guard's budget; release them once the message is stored. */
  reserved: number;
}

/**
 * Reads the DATA stream keeping at most `maxBytes`: past the limit (or past the guard's in-flight
 * cap) what was held is let go and the rest is only counted, so an 800 MiB body against a 20 MiB
 * SIZE costs no more memory than the limit.
 */
export function collectData(stream: Readable, maxBytes: number, guard: ResourceGuard): Promise<CollectedData> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let reserved = 0;
    let tooBig = false;
    let shed = false;
    const drop = (): void => {
      chunks = [];
      guard.release(reserved);
      reserved = 0;
    };
    stream.on('data', (chunk: Buffer) => {
      if (tooBig || shed) return;
      if (reserved + chunk.length > maxBytes) {
        tooBig = true;
        return drop();
      }
      if (!guard.reserve(chunk.length)) {
        shed = true;
        return drop();
      }
      reserved += chunk.length;
      chunks.push(chunk);
    });
    stream.once('end', () => {
      const data = tooBig || shed ? undefined : Buffer.concat(chunks, reserved);
      chunks = [];
      resolve({ data, tooBig, shed, reserved });
    });
    stream.once('error', (error) => {
      drop();
      reject(error);
    });
  });
}
