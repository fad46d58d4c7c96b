import { copyFile, mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterWorker } from '@mtakit/core/mta';
import { loadNodeId } from '@mtakit/core/mta';
import { loadOrCreateCertificate } from '@mtakit/core/smtp';
import type { MtaConfig } from './config.js';

/**
 * How MTAKIT_WORKERS lays out the data dir. Shard 0 is the data dir itself (one worker = the
 * single-process layout, unchanged); shard i ≥ 1 is `<data_dir>/shard-<i>`, with its own spool,
 * queues and state files, and logs in `<log_dir>/shard-<i>`. Every shard shares the node id and
 * the generated certificate of the data dir.
 */
export function shardDataDir(dataDir: string, index: number): string {
  return index === 0 ? dataDir : join(dataDir, `shard-${index}`);
}

/** A node's log directories: `logDir`, and the `shard-<i>` ones in it (workers i ≥ 1 write there). */
export async function nodeLogDirs(logDir: string): Promise<string[]> {
  const names = await readdir(logDir).catch(() => [] as string[]);
  return [logDir, ...names.filter((n) => /^shard-\d+$/.test(n)).sort().map((n) => join(logDir, n))];
}

/** The shards i ≥ 1 that have a spool in the data dir, ascending. */
export async function existingShards(dataDir: string): Promise<number[]> {
  const names = await readdir(dataDir).catch(() => [] as string[]);
  const shards: number[] = [];
  for (const name of names) {
    const m = /^shard-(\d+)$/.exec(name);
    if (!m) continue;
    const inside = await readdir(join(dataDir, name)).catch(() => [] as string[]);
    if (inside.includes('spool')) shards.push(Number(m[1]));
  }
  return shards.sort((a, b) => a - b);
}

/**
 * The shards worker `index` of `count` adopts besides its own: those left by a run with more
 * workers (j ≥ count), spread as j mod count, so every shard has exactly one owner.
 */
export function adoptedShards(worker: ClusterWorker, existing: readonly number[]): number[] {
  return existing.filter((j) => j >= worker.count && j % worker.count === worker.index);
}

/** The config a worker runs with: its shard's data and log dirs, the node's certificate. */
export function shardConfig(config: MtaConfig, index: number): MtaConfig {
  if (index === 0) return config;
  return {
    ...config,
    dataDir: shardDataDir(config.dataDir, index),
    logDir: join(config.logDir, `shard-${index}`),
    // The certificate generated once in the node's data dir, unless files are configured.
    tlsCertificate: config.tlsCertificate ?? (config.tlsPrivateKey ? undefined : join(config.dataDir, 'tls', 'self-signed-cert.pem')),
    tlsPrivateKey: config.tlsPrivateKey ?? (config.tlsCertificate ? undefined : join(config.dataDir, 'tls', 'self-signed-key.pem')),
  };
}

/**
 * Before the workers start (in the primary): the node id and the certificate are created once,
 * and each shard's data dir gets the node's id, so log records name one node whichever worker
 * wrote them.
 */
export async function prepareShards(config: MtaConfig): Promise<void> {
  await mkdir(config.dataDir, { recursive: true });
  await loadNodeId(config.dataDir);
  await loadOrCreateCertificate({ certFile: config.tlsCertificate, keyFile: config.tlsPrivateKey, dataDir: config.dataDir, hostname: config.hostname });
  for (let i = 1; i < config.workers; i++) {
    const dir = shardDataDir(config.dataDir, i);
    await mkdir(dir, { recursive: true });
    await copyFile(join(config.dataDir, 'nodeid'), join(dir, 'nodeid'));
  }
}

/**
 * Every worker applies every admin action (suspend, bounce…) and keeps them in its shard's
 * `spool/admin-state.json`. A worker that was down missed some: before it starts, its shard gets
 * the newest copy any shard has (written to a temporary file and renamed, so never torn).
 */
export async function syncAdminState(config: MtaConfig, index: number): Promise<void> {
  const file = (i: number) => join(shardDataDir(config.dataDir, i), 'spool', 'admin-state.json');
  let newest: { path: string; mtime: number } | undefined;
  for (const i of [0, ...(await existingShards(config.dataDir))]) {
    const s = await stat(file(i)).catch(() => undefined);
    if (s && (!newest || s.mtimeMs > newest.mtime)) newest = { path: file(i), mtime: s.mtimeMs };
  }
  if (!newest || newest.path === file(index)) return;
  await mkdir(join(shardDataDir(config.dataDir, index), 'spool'), { recursive: true });
  await copyFile(newest.path, `${file(index)}.sync`);
  await rename(`${file(index)}.sync`, file(index));
}

/**
 * The scorer's hold overrides (`scorer-overrides.jsonl`) are released through the admin API, so
 * every running worker records each one in its shard; a shard that was not running (a worker that
 * was down, or a new shard after a restart with more workers) gets every override any shard has
 * before its worker starts: the union of their lines (expired ones are dropped when loaded).
 */
export async function syncScorerOverrides(config: MtaConfig, index: number): Promise<void> {
  const file = (i: number) => join(shardDataDir(config.dataDir, i), 'scorer-overrides.jsonl');
  const lines = async (i: number) => (await readFile(file(i), 'utf8').catch(() => '')).split('\n').filter((l) => l.trim() !== '');
  const mine = await lines(index);
  const known = new Set(mine);
  const missing: string[] = [];
  for (const i of [0, ...(await existingShards(config.dataDir))]) {
    if (i === index) continue;
    for (const line of await lines(i)) {
      if (known.has(line)) continue;
      known.add(line);
      missing.push(line);
    }
  }
  if (missing.length === 0) return;
  await mkdir(shardDataDir(config.dataDir, index), { recursive: true });
  await writeFile(`${file(index)}.sync`, [...mine, ...missing].map((l) => `${l}\n`).join(''));
  await rename(`${file(index)}.sync`, file(index));
}
