import { open, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LogRecord } from '@mtakit/core';
import { listSegments } from './query.js';

/**
 * Yields records as they are appended to a log directory (`tail -f` across segment rolls), from
 * the end of what is there now, until `signal` aborts. Polls (default every 250 ms) rather than
 * watching, because inotify does not reach every file system a log directory lives on.
 */
export async function* followLogs(dir: string, signal: AbortSignal, pollMs = 250): AsyncGenerator<LogRecord> {
  let current = (await listSegments(dir)).filter((s) => !s.compressed).at(-1)?.path;
  let offset = current ? (await stat(current)).size : 0;
  let partial = '';
  /** The lines appended to the current segment since the last read. */
  const drain = async function* (): AsyncGenerator<LogRecord> {
    if (!current) return;
    const size = await stat(current).then((s) => s.size, () => offset);
    if (size <= offset) return;
    const fd = await open(current, 'r');
    const buf = Buffer.alloc(size - offset);
    await fd.read(buf, 0, buf.length, offset);
    await fd.close();
    offset = size;
    const lines = (partial + buf.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line !== '') yield JSON.parse(line) as LogRecord;
  };
  while (!signal.aborted) {
    yield* drain();
    // The next segment after this one (not the newest: the writer may have rolled twice since).
    const next = (await listSegments(dir)).find((s) => !s.compressed && s.path > (current ?? ''))?.path;
    if (next) {
      // The writer has moved on, so the old segment is complete: read its last lines first.
      yield* drain();
      current = next;
      offset = 0;
      partial = '';
      continue;
    }
    await sleep(pollMs, undefined, { signal }).catch(() => undefined);
  }
}
