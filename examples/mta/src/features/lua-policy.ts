import { ConfigError, type PolicyEventName } from '@mtakit/core';
import { loadLuaPolicy, type LuaLogEntry, type LuaPolicyHost } from '@mtakit/lua';
import type { QueueManager } from '@mtakit/queue';
import { ShapingRulesFileLoader } from '@mtakit/shaping';
import type { Logger } from '../logger.js';
import type { Feature, MtaContext } from './feature.js';
import { LuaPolicyMetrics } from './lua-policy-metrics.js';
import { declarationNotes } from './policy-declarations.js';
import { importPolicyModule, luaLoadOptions, policyEvents, policyKind, readsMessageMetadata } from './policy-file.js';

/**
 * MTAKIT_POLICY: the operator's policy, layered right after the application's own. An init.lua
 * runs in @mtakit/lua (sandboxed, budgeted, hot-reloaded on file change and on
 * bump-config-epoch); a .ts/.js module is imported once. Without MTAKIT_POLICY this feature
 * adds nothing.
 */
export async function luaPolicyFeature(ctx: MtaContext): Promise<Feature> {
  const file = ctx.config.policy;
  if (file === undefined) return { name: 'lua-policy' };
  return policyKind(file) === 'lua' ? luaFeature(ctx, file) : moduleFeature(ctx, file);
}

async function moduleFeature(ctx: MtaContext, file: string): Promise<Feature> {
  const policy = await importPolicyModule(file);
  ctx.logger('info', `policy: ${file} (module) handles ${describeEvents(policyEvents(policy))}`);
  return {
    name: 'lua-policy',
    policy,
    // Node caches ES modules: re-importing would leak every old version, so a module is not reloaded.
    reload: () => ctx.logger('warn', `policy: ${file} is a module and is not reloaded: restart mtakit to apply changes to it`),
  };
}

async function luaFeature(ctx: MtaContext, file: string): Promise<Feature> {
  const metrics = new LuaPolicyMetrics(ctx.metrics.registry, ctx.logger);
  let queue: QueueManager | undefined;
  let host: LuaPolicyHost | undefined;
  let perMessage = false;
  const needsPerMessage = (h: LuaPolicyHost) => h.definitions.events.includes('get_queue_config') && readsMessageMetadata(h.definitions.files);
  host = await loadLuaPolicy({
    file,
    ...luaLoadOptions(file, ctx.config, new ShapingRulesFileLoader({ resolver: ctx.resolver })),
    logger: luaLogger(ctx.logger),
    onEvent: (e) => {
      metrics.record(e);
      if (e.type !== 'reload' || !host) return;
      // A reload triggered by a file change does not go through bump-config-epoch: drop the
      // queue's cached configs here (a second bump after bump-config-epoch is harmless).
      queue?.bumpConfigEpoch();
      if (!perMessage && needsPerMessage(host)) {
        ctx.logger('warn', 'policy: get_queue_config now reads the message (kumo.get_msg_metadata), but queue configs are cached per queue until mtakit restarts');
      }
    },
  }).catch((error: Error) => {
    throw new ConfigError('policy', file, `does not load:\n${error.message}`, { cause: error });
  });
  perMessage = needsPerMessage(host);
  const defs = host.definitions;
  for (const note of declarationNotes(defs, ctx.config)) ctx.logger(note.level, note.message);
  ctx.logger('info', `policy: ${file}${ctx.config.policyInclude.length ? ` + ${ctx.config.policyInclude.join(', ')}` : ''} handles ${describeEvents(defs.events)}${perMessage ? '; get_queue_config reads the message, so queue configs are computed per message' : ''}`);
  const loaded = host;
  let unwatch: (() => void) | undefined;
  return {
    name: 'lua-policy',
    // While an event's breaker is open, the Lua layer answers nothing and the layers after it
    // (shaping, the example's defaults) decide: no separate fallback policy is needed.
    policy: loaded.policy,
    queueOptions: perMessage ? { perMessageQueueConfig: true } : {},
    start: (running) => {
      queue = running.queue;
      unwatch = loaded.watch();
    },
    reload: async () => {
      const result = await loaded.reload();
      if (!result.ok) throw new ConfigError('policy', file, `does not load, the running policy stays: ${result.error.message}`, { cause: result.error });
    },
    stop: () => unwatch?.(),
  };
}

function describeEvents(events: readonly PolicyEventName[]): string {
  return events.length > 0 ? events.join(', ') : 'no events';
}

/** The Lua host's lines (kumo.log_*, print, reloads, breakers) in the example's log; debug is dropped. */
function luaLogger(logger: Logger): (entry: LuaLogEntry) => void {
  return (entry) => {
    if (entry.level === 'debug') return;
    logger(entry.level, `lua: ${entry.location ? `${entry.location}: ` : ''}${entry.message}`);
  };
}
