import { existsSync } from 'node:fs';
import { readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { bouncePlugin } from '@mtakit/bounce';
import { FileSuppressionStore, ReplicaSuppressionStore, serveSuppressionStore, type SuppressionEntry } from '@mtakit/bounce/suppression';
import type { ClusterOptions, MtaPlugin, NodePeers } from '@mtakit/core/mta';
import { loadBouncesSettings } from './bounces-settings.js';

/**
 * Bounces, complaints and suppression (`@mtakit/bounce`'s plugin) from MTAKIT_BOUNCES_CONFIG and
 * the MTAKIT_BOUNCE_* / MTAKIT_SUPPRESSION_* / MTAKIT_UNSUBSCRIBE_* variables (see docs/suppression.md).
 * One of several workers with the embedded list keeps a copy of the node's (nodeSuppressionStore).
 */
export async function bouncesFromEnvironment(config: { dataDir: string; fsync: boolean }, env: NodeJS.ProcessEnv = process.env, peers?: NodePeers): Promise<MtaPlugin> {
  const settings = loadBouncesSettings(env, config.dataDir);
  const store = peers && !isRedis(settings.suppression.store)
    ? await ReplicaSuppressionStore.open({ call: (call) => peers.askPrimary(SUPPRESSION_TOPIC, call), heard: (handler) => peers.heard(SUPPRESSION_TOPIC, handler as (change: unknown) => void) })
    : undefined;
  return bouncePlugin({ ...settings, fsync: config.fsync, hooksName: 'MTAKIT_BOUNCE_HOOKS', storeName: 'MTAKIT_SUPPRESSION_STORE', store });
}

const SUPPRESSION_TOPIC = 'suppression-list';

function isRedis(store: string): boolean {
  return /^rediss?:\/\//.test(store);
}

/**
 * With MTAKIT_WORKERS > 1 and the embedded list, the primary keeps the node's one suppression list
 * (`<data_dir>/suppression.jsonl`, or MTAKIT_SUPPRESSION_STORE) and every worker a copy of it: a
 * bounce, complaint or opt-out learned in one worker suppresses in all of them.
 */
export async function nodeSuppressionStore(config: { dataDir: string; fsync: boolean }, env: NodeJS.ProcessEnv = process.env): Promise<Pick<ClusterOptions, 'serve' | 'onStop'>> {
  const where = loadBouncesSettings(env, config.dataDir).suppression.store;
  if (isRedis(where)) return {};
  const store = await FileSuppressionStore.open({ path: where, fsync: config.fsync });
  await mergeShardLists(config.dataDir, store);
  const serve = serveSuppressionStore(store);
  return { serve: { [SUPPRESSION_TOPIC]: (call, _from, tell) => serve(call, (change) => tell(SUPPRESSION_TOPIC, change)) }, onStop: () => store.close() };
}

/**
 * Lists that workers kept in their own shards (`<data_dir>/shard-<i>/suppression.jsonl`, before
 * the list was the node's) are added to the node's once, then renamed `.merged`.
 */
async function mergeShardLists(dataDir: string, node: FileSuppressionStore): Promise<void> {
  for (const name of await readdir(dataDir).catch(() => [] as string[])) {
    const path = join(dataDir, name, 'suppression.jsonl');
    if (!/^shard-\d+$/.test(name) || !existsSync(path)) continue;
    const shard = await FileSuppressionStore.open({ path, fsync: false });
    const entries: SuppressionEntry[] = [];
    for await (const e of shard.entries()) if (!(await node.get(e))) entries.push(e);
    await shard.close();
    await node.put(entries);
    await rename(path, `${path}.merged`);
  }
}
