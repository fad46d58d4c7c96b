import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Command } from 'commander';
import { ConfigError, type Logger } from '@mtakit/core';
import type { ClusterOptions, ClusterWorker, NodePeers } from '@mtakit/core/mta';
import { configFrom, type MtaConfig } from '../config.js';
import { consoleLogger } from '../logger.js';
import { loadSettings } from '../settings/load.js';
import { configurationMarkdown, settingsHelp } from '../settings/render.js';
import { BY_KEY, SETTINGS, settingName, type Setting } from '../settings/table.js';

/** `mtakit start`: the MTA, on the settings of `settings/table.ts`; `mtakit settings`: that table. */
export function startCommands(): Command[] {
  const start = new Command('start')
    .description('start the MTA (SMTP and HTTP listeners, spool, queues) on embedded defaults')
    .addHelpText('after', settingsHelp())
    .action(async () => {
      const settings = loadSettings();
      const config = configFrom(settings.values);
      // Loaded here, not at the top: `mtakit --help` and the admin commands need none of the MTA.
      const [{ startMta }, { clusterWorker, runCluster }] = await Promise.all([import('../mta.js'), import('@mtakit/core/mta')]);
      const worker = clusterWorker();
      const logger: Logger = worker ? (level, message) => consoleLogger(level, `worker ${worker.index}: ${message}`) : consoleLogger;
      if (!worker) {
        for (const warning of settings.warnings) consoleLogger('warn', warning);
        await warnIfUnresolvable(config.smarthost, consoleLogger);
      }
      const start = (w?: ClusterWorker, peers?: NodePeers) => startMta(config, { env: settings.env, logger, ...(w ? { worker: w } : {}), ...(peers ? { peers } : {}) }).catch((error: unknown) => {
        throw listenerError(error, settings.values) ?? error;
      });
      if (config.workers > 1 || worker) {
        const { prepareShards, syncAdminState, syncScorerOverrides } = await import('../shards.js');
        const beforeFork = async (i: number) => {
          await syncAdminState(config, i);
          await syncScorerOverrides(config, i);
        };
        // The node's shaping state and suppression list, kept by the primary (only there: a worker asks it).
        const kept = worker ? {} : await nodeState(config, settings.env);
        await runCluster({ workers: config.workers, balance: config.workersBalance, prepare: () => prepareShards(config), beforeFork, start, logger, ...kept });
        return;
      }
      const mta = await start();
      const shutdown = (signal: string) => {
        consoleLogger('info', `${signal} received`);
        mta.stop().then(() => process.exit(0), (error: Error) => {
          consoleLogger('error', `shutdown failed: ${error.message}`);
          process.exit(1);
        });
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    });
  const list = new Command('settings')
    .description('list every setting (variable, JSON key, type, default, meaning)')
    .option('--json', 'as JSON')
    .option('--markdown', 'as docs/configuration.md')
    .action((options: { json?: boolean; markdown?: boolean }) => {
      if (options.json) process.stdout.write(`${JSON.stringify(SETTINGS, null, 2)}\n`);
      else if (options.markdown) process.stdout.write(configurationMarkdown());
      else process.stdout.write(settingsHelp());
    });
  return [start, list];
}

/** What the primary keeps for the whole node: the shaping store and the suppression list. */
async function nodeState(config: MtaConfig, env: NodeJS.ProcessEnv): Promise<Pick<ClusterOptions, 'serve' | 'workerGone' | 'onStop'>> {
  const [{ nodeShapingStore }, { nodeSuppressionStore }] = await Promise.all([import('../features/shaping.js'), import('../features/bounces.js')]);
  const shaping = await nodeShapingStore(config, env);
  const suppression = await nodeSuppressionStore(config, env);
  return {
    serve: { ...shaping.serve, ...suppression.serve },
    ...(shaping.workerGone ? { workerGone: shaping.workerGone } : {}),
    onStop: async () => {
      await Promise.all([shaping.onStop?.(), suppression.onStop?.()]);
    },
  };
}

/**
 * A listener that cannot open (address in use, not on this host, port not allowed) as an error
 * naming the setting and the address instead of a raw stack.
 */
export function listenerError(error: unknown, values: Readonly<Record<string, unknown>>): ConfigError | undefined {
  const e = error as NodeJS.ErrnoException & { address?: string; port?: number };
  const why: Record<string, string> = {
    EADDRINUSE: 'the address is already in use (another process listens there)',
    EADDRNOTAVAIL: 'the address is not one of this host\'s',
    EACCES: 'permission denied (ports below 1024 need privileges)',
  };
  if (e?.syscall !== 'listen' || !e.code || !why[e.code]) return undefined;
  const listeners: Array<[string, string]> = [['smtp_listen', 'SMTP'], ['http_listen', 'HTTP'], ['unsubscribe_listen', 'one-click unsubscribe']];
  const defaults: Record<string, string> = { smtp_listen: '127.0.0.1:2525', http_listen: '127.0.0.1:8025' };
  for (const [key, name] of listeners) {
    const text = String(values[key] ?? defaults[key] ?? '');
    if (text !== '' && text.endsWith(`:${e.port}`)) {
      return new ConfigError(settingName(BY_KEY.get(key) as Setting), text, `the ${name} listener cannot listen on ${e.address}:${e.port}: ${why[e.code]} (${e.code})`);
    }
  }
  return new ConfigError('listener', `${e.address}:${e.port}`, `cannot listen: ${why[e.code]} (${e.code})`);
}

/** A smart host whose name does not resolve is allowed (DNS may come later) but said at start. */
async function warnIfUnresolvable(smarthost: MtaConfig['smarthost'], logger: Logger): Promise<void> {
  if (!smarthost) return;
  const host = smarthost.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) return;
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, 3000, 'timeout').unref());
  const outcome = await Promise.race([lookup(host).then(() => 'ok' as const, (error: Error) => error.message), timeout]);
  if (outcome !== 'ok') logger('warn', `${settingName(BY_KEY.get('smarthost') as Setting)}=${smarthost}: ${host} does not resolve (${outcome}); messages will wait and retry until it does`);
}
