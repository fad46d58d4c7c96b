import { ConfigError, LOG_RECORD_TYPES, type LogBus, type LogRecord, type LogRecordType } from '@mtakit/core';
import { httpReply, type HttpListener, type HttpRequest } from '@mtakit/core/http';
import type { MtaPlugin } from '@mtakit/core/mta';
import { LogArchiver } from './archiver.js';
import { queryLogDirs, recordMatches, type LogQuery } from './query.js';

export interface LogsPluginOptions {
  /** The log directory the MTA writes (createMta's `logDir`). */
  dir: string;
  /**
   * The directories `GET /api/logs/v1` reads, merged in time order, when they are more than `dir`:
   * e.g. every worker's of a node (`runCluster`), so any worker answers for the node. Asked at
   * each query. Default: `dir`.
   */
  queryDirs?: () => Promise<string[]>;
  /** Delete segments older than this (ms); unset keeps everything. */
  retentionMs?: number;
  /** How often rolled segments are compressed (ms, default 30 s). */
  intervalMs?: number;
}

/**
 * Compressed, queryable logs: rolled segments are compressed (zstd) and expired by retention;
 * `GET /api/logs/v1?from=&to=&type=&tenant=&campaign=&queue=&domain=&id=&recipient=&limit=`
 * streams matching records as NDJSON; `GET /api/logs/v1/tail` (same filters but time) is a live
 * Server-Sent Events stream of new records.
 */
export function logsPlugin(options: LogsPluginOptions): MtaPlugin {
  return {
    name: 'logs',
    setup(context) {
      const archiver = new LogArchiver({ ...options, warn: (m) => context.logger('warn', m) });
      return {
        routes: (http) => logRoutes(http, options.queryDirs ?? (async () => [options.dir]), context.log),
        start: () => archiver.start(),
        stop: () => archiver.stop(),
      };
    },
  };
}

function logRoutes(http: HttpListener, dirs: () => Promise<string[]>, bus: LogBus): void {
  http.route('GET', '/api/logs/v1', (r) => {
    const query = logQueryFrom(r);
    const limit = count(r.query.get('limit'), 'limit') ?? Number.POSITIVE_INFINITY;
    return httpReply({ stream: { contentType: 'application/x-ndjson', body: (async function* () {
      let n = 0;
      for await (const record of queryLogDirs(await dirs(), query)) {
        if (n++ >= limit) return;
        yield `${JSON.stringify(record)}\n`;
      }
    })() } });
  });
  http.route('GET', '/api/logs/v1/tail', (r) => {
    const { from: _from, to: _to, ...query } = logQueryFrom(r);
    return httpReply({ stream: { contentType: 'text/event-stream', body: liveRecords(bus, query) } });
  });
}

/**
 * New records as SSE `data:` lines. A client that cannot keep up (10,000 records behind) is told
 * so with an `overflow` event and disconnected, instead of the MTA buffering without bound.
 */
async function* liveRecords(bus: LogBus, query: LogQuery): AsyncGenerator<string> {
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  let overflow = false;
  const unsubscribe = bus.subscribe((record: LogRecord) => {
    if (!recordMatches(record, query)) return;
    if (queue.length >= 10_000) overflow = true;
    else queue.push(`event: ${record.type}\ndata: ${JSON.stringify(record)}\n\n`);
    wake?.();
  });
  try {
    yield ': mtakit log tail\n\n';
    for (;;) {
      while (queue.length > 0) yield queue.shift() as string;
      if (overflow) {
        yield 'event: overflow\ndata: {}\n\n';
        return;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    unsubscribe();
  }
}

/** Query parameters as a LogQuery; times as unix seconds or RFC 3339. */
export function logQueryFrom(r: Pick<HttpRequest, 'query'>): LogQuery {
  const q: LogQuery = {};
  const text = (name: keyof LogQuery) => {
    const v = r.query.get(name);
    if (v !== null && v !== '') (q as Record<string, unknown>)[name] = v;
  };
  (['tenant', 'campaign', 'queue', 'domain', 'id', 'recipient'] as const).forEach(text);
  const from = time(r.query.get('from'), 'from');
  const to = time(r.query.get('to'), 'to');
  if (from !== undefined) q.from = from;
  if (to !== undefined) q.to = to;
  const types = r.query.get('type');
  if (types) {
    q.types = types.split(',').map((t) => {
      if (!(LOG_RECORD_TYPES as readonly string[]).includes(t)) throw new ConfigError('type', t, `not a record type (known: ${LOG_RECORD_TYPES.join(', ')})`);
      return t as LogRecordType;
    });
  }
  return q;
}

function time(value: string | null, key: string): number | undefined {
  if (value === null || value === '') return undefined;
  const seconds = /^\d+$/.test(value) ? Number(value) : Date.parse(value) / 1000;
  if (!Number.isFinite(seconds)) throw new ConfigError(key, value, 'unix seconds or an RFC 3339 time');
  return Math.floor(seconds);
}

function count(value: string | null, key: string): number | undefined {
  if (value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new ConfigError(key, value, 'a whole number ≥ 1');
  return n;
}
