import { Command, Option } from 'commander';
import { responseLine, type LogRecord } from '@mtakit/core';
import { loadConfig } from '../config.js';

/**
 * The command's options: `dir`, `limit`, `follow`, `json`, and the filters, which are handed to
 * `logQueryFrom` as they are (the same names as the HTTP query's parameters), so they are not
 * listed twice.
 */
type LogFlags = Record<string, string | boolean | undefined> & { dir?: string; limit?: string; follow?: boolean; json?: boolean };

/**
 * `mtakit logs`: asks the log directory (plain and compressed segments) directly, so it works
 * with the MTA stopped; `--follow` then keeps printing new records. With MTAKIT_WORKERS > 1 each
 * worker i ≥ 1 writes to `<log_dir>/shard-<i>`: those are read too, merged in time order, so the
 * command shows the node.
 */
export function logsCommand(): Command {
  return new Command('logs')
    .description('query the log records (plain and zstd-compressed segments), optionally following new ones')
    .addOption(new Option('--dir <path>', 'log directory (default: the MTA\'s log_dir / MTAKIT_LOG_DIR)'))
    .option('--from <time>', 'first record time (RFC 3339 or unix seconds)')
    .option('--to <time>', 'last record time')
    .option('--type <types>', 'record types, comma-separated (Delivery,Bounce,…)')
    .option('--tenant <name>').option('--campaign <name>').option('--queue <name>', 'scheduled queue name')
    .option('--domain <domain>', 'recipient domain').option('--id <message-id>').option('--recipient <address>')
    .option('--limit <n>', 'stop after this many records')
    .option('-f, --follow', 'then print new records as they are written (Ctrl-C to stop)')
    .option('--json', 'one JSON record per line')
    .action(async (o: LogFlags) => {
      const dirs = await (await import('../shards.js')).nodeLogDirs(o.dir ?? loadConfig().logDir);
      const params = new URLSearchParams(Object.entries(o).filter(([k, v]) => typeof v === 'string' && k !== 'dir' && k !== 'limit') as Array<[string, string]>);
      // Loaded here: `mtakit --help` needs none of @mtakit/events.
      const { followLogs, logQueryFrom, queryLogDirs, recordMatches } = await import('@mtakit/events');
      const query = logQueryFrom({ query: params });
      const limit = o.limit === undefined ? Number.POSITIVE_INFINITY : Number(o.limit);
      const print = (r: LogRecord) => process.stdout.write(o.json ? `${JSON.stringify(r)}\n` : `${human(r)}\n`);
      let n = 0;
      for await (const record of queryLogDirs(dirs, query)) {
        if (n++ >= limit) return;
        print(record);
      }
      if (!o.follow) return;
      const stop = new AbortController();
      process.once('SIGINT', () => stop.abort());
      process.once('SIGTERM', () => stop.abort());
      const { from: _from, to: _to, ...live } = query;
      for await (const record of asTheyCome(dirs.map((dir) => followLogs(dir, stop.signal)))) {
        if (recordMatches(record, live)) print(record);
      }
    });
}

/** Live streams merged as their records come. */
async function* asTheyCome(streams: ReadonlyArray<AsyncIterator<LogRecord>>): AsyncGenerator<LogRecord> {
  const pending = new Map<number, Promise<{ i: number; r: IteratorResult<LogRecord> }>>();
  const pull = (i: number) => pending.set(i, (streams[i] as AsyncIterator<LogRecord>).next().then((r) => ({ i, r })));
  streams.forEach((_, i) => pull(i));
  while (pending.size > 0) {
    const { i, r } = await Promise.race(pending.values());
    if (r.done) {
      pending.delete(i);
      continue;
    }
    yield r.value;
    pull(i);
  }
}

function human(r: LogRecord): string {
  const to = Array.isArray(r.recipient) ? r.recipient.join(',') : r.recipient;
  return `${new Date(r.timestamp * 1000).toISOString()} ${r.type.padEnd(16)} ${r.id} ${to} ${r.queue} ${responseLine(r.response)}`;
}
