import { readFileSync, renameSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { exhaustedResource, MtaKitError } from '@mtakit/core';
import type { Directive } from './directives.js';

/** The admin entries kept across restarts, by kind. */
export interface AdminStateSnapshot {
  suspensions: Array<Directive<unknown>>;
  readySuspensions: Array<Directive<unknown>>;
  bounces: Array<Directive<unknown>>;
}

const KINDS = ['suspensions', 'readySuspensions', 'bounces'] as const;
const VERSION = 1;

/**
 * Suspensions, ready-queue suspensions and admin bounces on disk, so an operator's "hold this
 * tenant for an hour" outlives a crash. The whole state is small (a few entries), so each change
 * rewrites one JSON file: written to a temporary file, fsynced, renamed over the old one and the
 * directory fsynced — a crash leaves either the old state or the new one, never a torn file.
 */
export class AdminStateFile {
  readonly path: string;
  #chain: Promise<void> = Promise.resolve();

  constructor(dir: string, name = 'admin-state.json') {
    this.path = join(dir, name);
  }

  /**
   * The entries saved by the last run (expired ones included; their owner drops them). A file
   * that cannot be parsed is moved aside (`.corrupt`) and reported, and the queue starts without it.
   */
  load(report: (message: string) => void): AdminStateSnapshot {
    const empty: AdminStateSnapshot = { suspensions: [], readySuspensions: [], bounces: [] };
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return empty;
      throw new MtaKitError('E_SPOOL', `cannot read admin state ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    try {
      const parsed = JSON.parse(text) as Partial<Record<string, unknown>>;
      if (parsed.version !== VERSION) throw new MtaKitError('E_SPOOL_CORRUPT', `unknown version ${JSON.stringify(parsed.version)}`);
      for (const kind of KINDS) empty[kind] = (parsed[kind] as unknown[] | undefined ?? []).filter(isDirective);
      return empty;
    } catch (error) {
      renameSync(this.path, `${this.path}.corrupt`);
      report(`admin state ${this.path} is unreadable (${(error as Error).message}); moved to ${this.path}.corrupt, starting without suspensions or bounces`);
      return { suspensions: [], readySuspensions: [], bounces: [] };
    }
  }

  /** Writes the state durably; saves run one after another, in call order. */
  save(snapshot: AdminStateSnapshot): Promise<void> {
    const text = JSON.stringify({ version: VERSION, ...snapshot });
    const next = this.#chain.then(() => this.#write(text));
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #write(text: string): Promise<void> {
    const tmp = `${this.path}.tmp`;
    try {
      const file = await open(tmp, 'w');
      try {
        await file.writeFile(text);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, this.path);
      const dir = await open(dirname(this.path), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch (error) {
      throw new MtaKitError(exhaustedResource(error) === 'storage' ? 'E_SPOOL_FULL' : 'E_SPOOL', `cannot save admin state ${this.path}: ${(error as Error).message}`, { cause: error });
    }
  }
}

function isDirective(value: unknown): value is Directive<unknown> {
  const d = value as Partial<Directive<unknown>> | null;
  return typeof d === 'object' && d !== null && typeof d.id === 'string' && typeof d.reason === 'string' && typeof d.expires === 'number' && Number.isFinite(d.expires) && typeof d.data === 'object' && d.data !== null;
}
