import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, durationOption } from '@mtakit/core';
import type { MtaPlugin } from '@mtakit/core/mta';
import { dispatchFromConfig, endpointsFromConfig, eventsPlugin, journalSyncFromConfig, logsPlugin } from '@mtakit/events';

/**
 * Event endpoints (webhooks, NATS, RabbitMQ, Redis Streams) from the JSON file named by
 * MTAKIT_EVENTS (relative to `cwd`); none when unset. Secrets come from the variables the file
 * names in `secrets_env`. See docs/events.md.
 */
export function eventsFromEnvironment(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): MtaPlugin[] {
  const file = env['MTAKIT_EVENTS'];
  if (!file) return [];
  let section: unknown;
  try {
    section = JSON.parse(readFileSync(resolve(cwd, file), 'utf8'));
  } catch (error) {
    throw new ConfigError('MTAKIT_EVENTS', file, `cannot read the events file: ${(error as Error).message}`, { cause: error });
  }
  try {
    const sync = journalSyncFromConfig(section);
    return [eventsPlugin({ endpoints: endpointsFromConfig(section, env), dispatch: dispatchFromConfig(section), ...(sync ? { sync } : {}) })];
  } catch (error) {
    // Name the file as well as the key inside it.
    if (error instanceof ConfigError) throw new ConfigError('MTAKIT_EVENTS', file, error.message, { cause: error });
    throw error;
  }
}

/**
 * Compressed, queryable logs over the MTA's log directory: always on; MTAKIT_LOG_RETENTION (a
 * duration, e.g. `30d`) deletes older segments, unset keeps everything.
 */
export function logsFromEnvironment(logDir: string, env: NodeJS.ProcessEnv = process.env, queryDirs?: () => Promise<string[]>): MtaPlugin {
  const retention = env['MTAKIT_LOG_RETENTION'];
  return logsPlugin({ dir: logDir, ...(queryDirs ? { queryDirs } : {}), ...(retention ? { retentionMs: durationOption('MTAKIT_LOG_RETENTION', retention) } : {}) });
}
