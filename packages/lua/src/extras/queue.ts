import { lauxlib, lua, type LuaState } from 'fengari';
import { ConfigError, FieldReader, type ConfigInput, type Message } from '@mtakit/core';
import { pushConfig } from '../kumo/config-objects.js';
import type { KumoContext } from '../kumo/context.js';
import { MESSAGE_TYPE } from '../kumo/message.js';
import { pushValue, readString, readValue } from '../vm/values.js';
import { loadDataFiles, pushFunctionTable, readFileList, registerHandler } from './lua-module.js';
import { applyQueueHelper, mergeQueueFiles, resolveQueueParams, type QueueHelperData } from './queue-config.js';

/**
 * `require 'policy-extras.queue'`: `queue_module:setup{ 'queues.toml' }` (or `setup_with_options{
 * file_names, skip_queue_config_hook }`) loads the files, registers a `get_queue_config` handler
 * unless told not to, and returns a helper with `helper:apply(msg)` and `helper:resolve_config(domain,
 * tenant, campaign)`.
 */
export function pushQueueModule(L: LuaState, ctx: KumoContext): void {
  pushFunctionTable(L, 'policy-extras.queue:', {
    setup: (L1) => setup(L1, ctx, readFileList(L1, 2, 'queue:setup'), false),
    setup_with_options: (L1) => {
      const r = new FieldReader(readValue(L1, 2, { listKeys: new Set(['file_names']) }, 'options') as ConfigInput, 'options');
      r.rejectUnknown(new Set(['file_names', 'skip_queue_config_hook']));
      return setup(L1, ctx, r.stringList('file_names', []), r.bool('skip_queue_config_hook', false));
    },
  });
}

function setup(L: LuaState, ctx: KumoContext, files: string[], skipHook: boolean): number {
  if (files.length === 0) throw new ConfigError('file_names', files, 'must name at least one queues file');
  const data = mergeQueueFiles(loadDataFiles(ctx, files, 'policy-extras.queue'));
  if (!skipHook) registerHandler(L, ctx, 'get_queue_config', 'policy-extras.queue get_queue_config', (L1) => pushParams(L1, data, 1));
  pushFunctionTable(L, 'queue_helper:', {
    apply: (L1) => {
      applyQueueHelper(data, lauxlib.luaL_checkudata(L1, 2, MESSAGE_TYPE)['message'] as Message);
      return 0;
    },
    resolve_config: (L1) => {
      const params = resolve(L1, data, 2);
      pushValue(L1, params);
      return 1;
    },
  });
  return 1;
}

function resolve(L: LuaState, data: QueueHelperData, first: number) {
  const opt = (i: number): string | undefined => (lua.lua_isnoneornil(L, i) ? undefined : readString(L, i));
  return resolveQueueParams(data, readString(L, first), opt(first + 1), opt(first + 2));
}

function pushParams(L: LuaState, data: QueueHelperData, first: number): number {
  const params = resolve(L, data, first);
  if (params === undefined) lua.lua_pushnil(L);
  else pushConfig(L, 'queue', params);
  return 1;
}
