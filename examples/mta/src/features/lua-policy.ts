import { policyPlugin, type MtaPlugin } from '@mtakit/core/mta';
import type { MxResolver } from '@mtakit/core/dns';
import { join } from 'node:path';
import { EventHub, WebhookSink } from '@mtakit/events';
import { describeEvents, logHookRecord, luaPolicyPlugin, type LogHookSinkFactory } from '@mtakit/lua';
import { ShapingRulesFileLoader } from '@mtakit/shaping';
import type { Logger } from '@mtakit/core';
import type { MtaConfig } from '../config.js';
import { declarationNotes } from './policy-declarations.js';
import { importPolicyModule, luaLoadOptions, policyEvents, policyKind } from './policy-file.js';

/**
 * MTAKIT_POLICY: the operator's policy, layered right after the application's own. An init.lua
 * runs in @mtakit/lua's plugin (sandboxed, budgeted, hot-reloaded on file change and on
 * bump-config-epoch); a .ts/.js module is imported once. Without MTAKIT_POLICY, no plugin.
 */
export async function policyFromConfig(config: MtaConfig, resolver: MxResolver, logger: Logger): Promise<MtaPlugin[]> {
  const file = config.policy;
  if (file === undefined) return [];
  if (policyKind(file) === 'lua') {
    return [luaPolicyPlugin({
      file,
      ...luaLoadOptions(file, config, new ShapingRulesFileLoader({ resolver })),
      onLoad: (host) => {
        for (const note of declarationNotes(host.definitions, config)) logger(note.level, note.message);
      },
      logHookSink: durableLogHooks(join(config.dataDir, 'log-hooks'), logger),
    })];
  }
  const policy = await importPolicyModule(file);
  logger('info', `policy: ${file} (module) handles ${describeEvents(policyEvents(policy))}`);
  // Node caches ES modules: re-importing would leak every old version, so a module is not reloaded.
  return [policyPlugin('policy-module', policy, {
    reload: () => logger('warn', `policy: ${file} is a module and is not reloaded: restart mtakit to apply changes to it`),
  })];
}

/**
 * KumoMTA log hooks on @mtakit/events: each hook declared with log_hooks:new_json gets its own
 * durable queue under `dir` (retries with the hook's backoff until its max_age, then its
 * dead-letter store), so records survive a receiver that is down and a crash of the MTA.
 */
export function durableLogHooks(dir: string, logger: Logger): LogHookSinkFactory {
  return async (hook, shouldEnqueue) => {
    const hub = new EventHub({
      // A hub per hook (the factory is called per hook), so each its own journal directory.
      dir: join(dir, hook.name),
      warn: (m) => logger('warn', `log hook ${hook.name}: ${m}`),
      endpoints: [{
        name: hook.name,
        sink: new WebhookSink({ url: hook.url, payload: 'record', shapeRecord: (r) => logHookRecord(r, hook) }),
        ...(shouldEnqueue ? { accept: async (e) => (await shouldEnqueue(e.record, hook.name)) !== false } : {}),
        backoff: { initialMs: hook.retryIntervalMs, maxMs: hook.maxRetryIntervalMs },
        maxAgeMs: hook.maxAgeMs,
      }],
    });
    await hub.start();
    return { consumer: hub.consumer, stop: () => hub.stop() };
  };
}
