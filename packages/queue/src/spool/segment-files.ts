import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';

const SEGMENT_NAME = /^([0-9a-f]{12})\.seg$/;

export function segmentPath(dir: string, segment: number): string {
  return join(dir, `${segment.toString(16).padStart(12, '0')}.seg`);
}

/** Segment numbers present in the directory, oldest first. */
export async function listSegments(dir: string): Promise<number[]> {
  const names = await readdir(dir);
  return names
    .map((n) => SEGMENT_NAME.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => parseInt(m[1] as string, 16))
    .sort((a, b) => a - b);
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
