import { ConfigError, type Awaitable, type LogConsumer, type LogRecord, type Logger, type PolicyEventName } from '@mtakit/core';
import type { LogHookDefinition } from '../extras/log-hooks.js';
import type { MtaPlugin, RunningQueue } from '@mtakit/core/mta';
import { loadLuaPolicy, type LoadLuaPolicyOptions, type LuaPolicyHost } from '../host.js';
import type { LuaLogEntry } from '../kumo/context.js';
import { logHookConsumer } from './log-hooks.js';
import { readsMessageMetadata } from './message-metadata.js';
import { LuaPolicyMetrics } from './metrics.js';

export interface LuaPolicyPluginOptions extends Omit<LoadLuaPolicyOptions, 'file' | 'source' | 'logger' | 'onEvent'> {
  /** The policy (`init.lua`). */
  file: string;
  /** Sees the loaded host once (its declarations, events, files), before the MTA starts. */
  onLoad?(host: LuaPolicyHost): void;
  /**
   * Where the policy's log hooks (policy-extras.log_hooks:new_json) send records. Default: an HTTP
   * POST per record with the hook's retries, waiting in memory (lost on a crash). An application
   * with a durable queue passes its own (the example MTA: @mtakit/events, on disk).
   */
  logHookSink?: LogHookSinkFactory;
}

/** Builds the sender of one declared log hook; `shouldEnqueue` is the policy's filter, when it has one. */
export type LogHookSinkFactory = (
  hook: LogHookDefinition,
  shouldEnqueue: ((record: LogRecord, hook: string) => Promise<boolean | undefined>) | undefined,
) => Awaitable<{ consumer: LogConsumer; stop(): Awaitable<void> }>;

/**
 * A KumoMTA-style `init.lua` as a plugin of `createMta`: its policy is a layer (sandboxed,
 * budgeted, each event behind a circuit breaker: while a breaker is open the layers after it
 * decide), hot-reloaded when its files change and on reload (a policy that fails to load is
 * refused and the running one stays). Budget overruns, breakers and reloads become `lua_policy_*`
 * metrics. When the policy reads message metadata, queue configs are asked per message.
 */
export function luaPolicyPlugin(options: LuaPolicyPluginOptions): MtaPlugin {
  const { file, onLoad, logHookSink, ...load } = options;
  return {
    name: 'lua-policy',
    async setup(ctx) {
      const metrics = new LuaPolicyMetrics(ctx.metrics.registry, ctx.logger);
      let queue: RunningQueue | undefined;
      let host: LuaPolicyHost | undefined;
      let perMessage = false;
      const needsPerMessage = (h: LuaPolicyHost) => h.definitions.events.includes('get_queue_config') && readsMessageMetadata(h.definitions.files);
      host = await loadLuaPolicy({
        file, ...load,
        logger: luaLogger(ctx.logger),
        onEvent: (e) => {
          metrics.record(e);
          if (e.type === 'epoch') queue?.bumpConfigEpoch();
          if (e.type !== 'reload' || !host) return;
          // A reload triggered by a file change does not go through the MTA's reload: drop the
          // queue's cached configs here (a second bump after an MTA reload is harmless).
          queue?.bumpConfigEpoch();
          if (!perMessage && needsPerMessage(host)) {
            ctx.logger('warn', 'policy: get_queue_config now reads the message (kumo.get_msg_metadata), but queue configs are cached per queue until the MTA restarts');
          }
        },
      }).catch((error: Error) => {
        throw new ConfigError('policy', file, `does not load:\n${error.message}`, { cause: error });
      });
      const loaded = host;
      perMessage = needsPerMessage(loaded);
      onLoad?.(loaded);
      const include = load.include ?? [];
      ctx.logger('info', `policy: ${file}${include.length ? ` + ${include.join(', ')}` : ''} handles ${describeEvents(loaded.definitions.events)}${perMessage ? '; get_queue_config reads the message, so queue configs are computed per message' : ''}`);
      let unwatch: (() => void) | undefined;
      const handlesFilter = loaded.definitions.events.includes('should_enqueue_log_record');
      const shouldEnqueue = handlesFilter ? (record: LogRecord, name: string) => loaded.policy.should_enqueue_log_record(record, name) : undefined;
      const sinkFor: LogHookSinkFactory = logHookSink ?? ((hook, filter) => logHookConsumer(hook, { logger: ctx.logger, shouldEnqueue: filter }));
      const hooks = await Promise.all(loaded.definitions.logHooks.map((hook) => sinkFor(hook, shouldEnqueue)));
      // Subscribed here, not as logConsumers: createMta would filter those by the plugin's name,
      // and should_enqueue_log_record must see each log hook's own name (as in KumoMTA).
      const unsubscribe = hooks.map((h) => ctx.log.subscribe(h.consumer));
      return {
        // While an event's breaker is open, the Lua layer answers nothing and the layers after it decide.
        policy: loaded.policy,
        perMessageQueueConfig: perMessage,
        start: (running) => {
          queue = running.queue;
          unwatch = loaded.watch();
        },
        reload: async () => {
          const result = await loaded.reload();
          if (!result.ok) throw new ConfigError('policy', file, `does not load, the running policy stays: ${result.error.message}`, { cause: result.error });
        },
        stop: async () => {
          unwatch?.();
          for (const u of unsubscribe) u();
          await Promise.all(hooks.map((h) => h.stop()));
        },
      };
    },
  };
}

export function describeEvents(events: readonly PolicyEventName[]): string {
  return events.length > 0 ? events.join(', ') : 'no events';
}

/** The Lua host's lines (kumo.log_*, print, reloads, breakers) in the MTA's log; debug is dropped. */
function luaLogger(logger: Logger): (entry: LuaLogEntry) => void {
  return (entry) => {
    if (entry.level === 'debug') return;
    logger(entry.level, `lua: ${entry.location ? `${entry.location}: ` : ''}${entry.message}`);
  };
}
