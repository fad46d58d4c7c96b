import type { LuaState } from 'fengari';
import { ConfigError, FieldReader, MtaKitError, type ConfigInput } from '@mtakit/core';
import type { KumoContext } from '../kumo/context.js';
import { readValue } from '../vm/values.js';
import { pushFunctionTable, requireLoading } from './lua-module.js';

/** A log hook a policy declared: every log record (that should_enqueue_log_record lets through) is POSTed as JSON. */
export interface LogHookDefinition {
  name: string;
  url: string;
  /** Headers of the message to copy into each record (`log_parameters.headers`). */
  headers: string[];
  /** Meta keys to copy into each record (`log_parameters.meta`). */
  meta: string[];
  /** Retry of a failed POST (`queue_config`): first wait, longest wait, and when to give up, in ms. */
  retryIntervalMs: number;
  maxRetryIntervalMs: number;
  maxAgeMs: number;
}

const QUEUE_OPTIONS = ['retry_interval', 'max_retry_interval', 'max_age'];
const CUSTOM = 'a log hook with a Lua constructor (a connection object) is not supported: use log_hooks:new_json { name, url } (an HTTP POST of each JSON record)';

/**
 * `require 'policy-extras.log_hooks'`: `log_hooks:new_json{ name, url, log_parameters, queue_config }`
 * declares an HTTP POST sink; the host application sends the records (the Lua plugin does).
 * `new` and `new_disposition_hook` take Lua connection objects the sandbox cannot run on the log
 * path, and are refused at load with what to use instead.
 */
export function pushLogHooksModule(L: LuaState, ctx: KumoContext): void {
  pushFunctionTable(L, 'policy-extras.log_hooks:', {
    new_json: (L1) => {
      requireLoading(ctx, 'log_hooks:new_json');
      const options = readValue(L1, 2, { listKeys: new Set(['headers', 'meta']) }, 'options') as ConfigInput;
      ctx.declarations.logHooks.push(logHook(options, (w) => ctx.warn(w)));
      return 0;
    },
    new: () => {
      throw new MtaKitError('E_POLICY', CUSTOM);
    },
    new_disposition_hook: () => {
      throw new MtaKitError('E_POLICY', CUSTOM);
    },
  });
}

export function logHook(input: ConfigInput, warn: (w: string) => void): LogHookDefinition {
  const r = new FieldReader(input, 'log_hooks:new_json');
  r.rejectUnknown(new Set(['name', 'url', 'log_parameters', 'queue_config', 'batch_size', 'min_batch_size', 'max_batch_latency']));
  for (const key of ['batch_size', 'min_batch_size', 'max_batch_latency']) {
    if (r.has(key)) warn(`log_hooks:new_json: ${key} has no effect: each record is POSTed on its own`);
  }
  const url = r.requiredString('url');
  if (!/^https?:\/\//.test(url)) throw new ConfigError(r.key('url'), url, 'must be an http:// or https:// URL');
  const params = new FieldReader((r.raw('log_parameters') ?? {}) as ConfigInput, 'log_hooks:new_json.log_parameters');
  params.rejectUnknown(new Set(['headers', 'meta']));
  if (params.stringList('headers', []).length > 0) {
    warn('log_hooks:new_json: log_parameters.headers: mtakit log records carry no message headers yet, so the posted records have none (copy what you need into meta with msg:set_meta and list it in log_parameters.meta)');
  }
  const queue = new FieldReader((r.raw('queue_config') ?? {}) as ConfigInput, 'log_hooks:new_json.queue_config');
  queue.rejectUnknown(new Set(QUEUE_OPTIONS));
  return {
    name: r.requiredString('name'), url, headers: params.stringList('headers', []), meta: params.stringList('meta', []),
    retryIntervalMs: queue.duration('retry_interval', '1m'),
    maxRetryIntervalMs: queue.duration('max_retry_interval', '20m'),
    maxAgeMs: queue.duration('max_age', '1h'),
  };
}
