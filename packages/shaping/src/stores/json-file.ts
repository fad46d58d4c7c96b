import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MtaKitError } from '@mtakit/core';

/** Reads a JSON file; undefined when it does not exist. */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new MtaKitError('E_INTERNAL', `cannot read state file ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new MtaKitError('E_CONFIG', `state file ${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Writes JSON so that a reader (or a restart after a crash) sees either the old or the new file,
 * never a torn one: write a temporary file in the same directory, fsync it, rename it over.
 */
export async function writeJsonFileAtomic(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(value), { flush: true });
    await rename(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw new MtaKitError('E_INTERNAL', `cannot write state file ${path}: ${(error as Error).message}`, { cause: error });
  }
}
