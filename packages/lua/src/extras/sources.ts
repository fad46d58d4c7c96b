import { lua, type LuaState } from 'fengari';
import { MtaKitError } from '@mtakit/core';
import { pushConfig } from '../kumo/config-objects.js';
import type { KumoContext } from '../kumo/context.js';
import { readString } from '../vm/values.js';
import { loadDataFiles, pushFunctionTable, readFileList, registerHandler } from './lua-module.js';
import { mergeSourcesFiles } from './sources-config.js';

/**
 * `require 'policy-extras.sources'`: `sources:setup{ 'sources.toml' }` loads the files and
 * registers `get_egress_source` and `get_egress_pool` handlers answering from them (nil for names
 * the files do not define, so other handlers or the defaults apply).
 */
export function pushSourcesModule(L: LuaState, ctx: KumoContext): void {
  let configured = false;
  pushFunctionTable(L, 'policy-extras.sources:', {
    setup: (L1) => {
      if (configured) throw new MtaKitError('E_POLICY', 'the sources helper is already set up');
      const data = mergeSourcesFiles(loadDataFiles(ctx, readFileList(L1, 2, 'sources:setup'), 'policy-extras.sources'));
      configured = true;
      for (const warning of data.warnings) ctx.warn(warning);
      registerHandler(L1, ctx, 'get_egress_source', 'policy-extras.sources get_egress_source', (L2) => {
        const source = data.sources[readString(L2, 1)];
        if (source) pushConfig(L2, 'egress_source', source);
        else lua.lua_pushnil(L2);
        return 1;
      });
      registerHandler(L1, ctx, 'get_egress_pool', 'policy-extras.sources get_egress_pool', (L2) => {
        const pool = data.pools[readString(L2, 1)];
        if (pool) pushConfig(L2, 'egress_pool', pool);
        else lua.lua_pushnil(L2);
        return 1;
      });
      return 0;
    },
  });
}
