import { lua, type LuaCFunction, type LuaState } from 'fengari';
import { FieldReader, MtaKitError, type ConfigInput, type ShapingRules } from '@mtakit/core';
import { pushConfig, validateConfig } from '../kumo/config-objects.js';
import type { KumoContext } from '../kumo/context.js';
import { luaFunction } from '../vm/errors.js';
import { awaitPromise } from '../vm/runner.js';
import { readString, readValue } from '../vm/values.js';
import { pushFunctionTable, readFileList, requireLoading } from './lua-module.js';

/**
 * `require 'policy-extras.shaping'`: `shaping:setup{ files }` and
 * `shaping:setup_with_automation{ extra_files = {...}, no_default_files = true, ... }` load shaping
 * files through the host's ShapingRulesLoader provider and return a helper whose
 * `get_egress_path_config(domain, source, site)` answers from them. The helper is also callable, so
 * both `kumo.on('get_egress_path_config', shaper.get_egress_path_config)` and the older
 * `kumo.on('get_egress_path_config', shaping:setup{...})` work. Automation (TSA) runs inside the
 * host, so publish/subscribe settings only produce a warning.
 */
const AUTOMATION_OPTIONS = [
  'publish', 'subscribe', 'extra_files', 'no_default_files', 'cache_ttl', 'tsa_queue_config', 'back_pressure', 'pre_filter',
  'skip_log_record_types', 'additional_skip_log_record_types', 'load_validation_options', 'validation_options',
  'allow_stale_shaping_data', 'shaping_data_populate_timeout',
];

export function pushShapingModule(L: LuaState, ctx: KumoContext): void {
  pushFunctionTable(L, 'policy-extras.shaping:', {
    setup: (L1) => setup(L1, ctx, readFileList(L1, 2, 'shaping:setup'), false, 'shaping:setup'),
    setup_with_automation: (L1) => {
      const r = new FieldReader(readValue(L1, 2, { listKeys: new Set(['extra_files', 'publish', 'subscribe']) }, 'options') as ConfigInput, 'setup_with_automation');
      r.rejectUnknown(new Set(AUTOMATION_OPTIONS));
      if (r.has('publish') || r.has('subscribe')) {
        ctx.warn('policy-extras.shaping: publish/subscribe are not used; traffic shaping automation runs inside the host');
      }
      return setup(L1, ctx, r.stringList('extra_files', []), r.bool('no_default_files', false), 'shaping:setup_with_automation');
    },
  });
}

function setup(L: LuaState, ctx: KumoContext, files: string[], noDefaultFiles: boolean, what: string): number {
  requireLoading(ctx, what);
  const loader = ctx.providers.shapingRules;
  if (!loader) throw new MtaKitError('E_POLICY', 'no shaping rules provider: the host must pass providers.shapingRules (a ShapingRulesLoader)');
  const paths = files.map((f) => ctx.files.resolve(f, what));
  for (const path of paths) ctx.files.remember(path);
  const loaded = loader.load(paths, { noDefaultFiles }).then((rules) => (L1: LuaState) => {
    for (const warning of rules.warnings) ctx.warn(`shaping: ${warning}`);
    pushHelper(L1, rules);
    return 1;
  });
  return awaitPromise(L, what, loaded);
}

function pushHelper(L: LuaState, rules: ShapingRules): void {
  const lookup = (first: number): LuaCFunction => (L1) => {
    const [domain, source, site] = [first, first + 1, first + 2].map((i) => readString(L1, i)) as [string, string, string];
    const answer = rules.egressPathConfig(domain, source, site).then((config) => (L2: LuaState) => {
      if (config === undefined) lua.lua_pushnil(L2);
      else pushConfig(L2, 'egress_path', validateConfig('egress_path', config));
      return 1;
    });
    return awaitPromise(L1, 'get_egress_path_config', answer);
  };
  pushFunctionTable(L, 'shaper.', {
    get_egress_path_config: lookup(1),
    setup_publish: () => 0,
  });
  lua.lua_createtable(L, 0, 1);
  lua.lua_pushcfunction(L, luaFunction('shaper', lookup(2)));
  lua.lua_setfield(L, -2, '__call');
  lua.lua_setmetatable(L, -2);
}
