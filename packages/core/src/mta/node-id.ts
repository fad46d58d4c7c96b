import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A stable node id per data dir (KumoMTA's `nodeid` in log records), created on first start. */
export async function loadNodeId(dataDir: string): Promise<string> {
  const path = join(dataDir, 'nodeid');
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    const id = randomUUID();
    await writeFile(path, `${id}\n`);
    return id;
  }
}
