import type { LogConsumer, LogRecord, Logger } from '@mtakit/core';
import type { LogHookDefinition } from '../extras/log-hooks.js';

/** Records waiting per hook at most; beyond it the oldest are dropped (and counted in the log). */
const MAX_PENDING = 10_000;

export interface LogHookSinkOptions {
  /** Asks the policy whether a record goes to this hook (should_enqueue_log_record); default yes. */
  shouldEnqueue?: ((record: LogRecord, hook: string) => Promise<boolean | undefined>) | undefined;
  logger: Logger;
  fetch?: typeof fetch;
  now?: () => number;
}

/**
 * The HTTP POST sink behind policy-extras.log_hooks:new_json: each record (filtered by the
 * policy's should_enqueue_log_record, its meta cut to `log_parameters.meta` when listed) is POSTed
 * as JSON, one at a time in order; a failed POST is retried with the hook's backoff
 * (`retry_interval` doubling up to `max_retry_interval`) until `max_age`, then dropped with a log line.
 */
export function logHookConsumer(hook: LogHookDefinition, options: LogHookSinkOptions): { consumer: LogConsumer; stop(): void } {
  const post = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const pending: Array<{ body: string; since: number }> = [];
  let running = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let dropped = 0;

  const drain = async (): Promise<void> => {
    running = true;
    let wait = hook.retryIntervalMs;
    while (!stopped && pending.length > 0) {
      const next = pending[0] as { body: string; since: number };
      const failure = await send(post, hook.url, next.body);
      if (failure === undefined) {
        pending.shift();
        wait = hook.retryIntervalMs;
        continue;
      }
      if (now() - next.since >= hook.maxAgeMs) {
        pending.shift();
        options.logger('error', `log hook ${hook.name}: dropped a record after ${Math.round(hook.maxAgeMs / 1000)} s of failures (${failure})`);
        continue;
      }
      options.logger('warn', `log hook ${hook.name}: POST ${hook.url} failed (${failure}); retrying in ${Math.round(wait / 1000)} s`);
      await new Promise<void>((resolve) => {
        timer = setTimeout(resolve, wait);
        timer.unref();
      });
      wait = Math.min(wait * 2, hook.maxRetryIntervalMs);
    }
    running = false;
  };

  const consumer: LogConsumer = async (record) => {
    if (stopped) return;
    if ((await options.shouldEnqueue?.(record, hook.name)) === false) return;
    if (pending.length >= MAX_PENDING) {
      pending.shift();
      if (++dropped % 1000 === 1) options.logger('error', `log hook ${hook.name}: ${dropped} records dropped, ${MAX_PENDING} already waiting`);
    }
    pending.push({ body: JSON.stringify(logHookRecord(record, hook)), since: now() });
    if (!running) void drain();
  };
  return {
    consumer,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** A record as a log hook posts it: meta cut to `log_parameters.meta` when that lists keys. */
export function logHookRecord(record: LogRecord, hook: LogHookDefinition): LogRecord {
  if (hook.meta.length === 0) return record;
  return { ...record, meta: Object.fromEntries(Object.entries(record.meta).filter(([k]) => hook.meta.includes(k))) };
}

/** Undefined on a 2xx answer, else what went wrong. */
async function send(post: typeof fetch, url: string, body: string): Promise<string | undefined> {
  try {
    const res = await post(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(30_000) });
    await res.arrayBuffer().catch(() => undefined);
    return res.ok ? undefined : `${res.status} ${res.statusText}`;
  } catch (error) {
    return (error as Error).message;
  }
}
