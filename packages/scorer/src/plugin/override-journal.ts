import { open, readFile, rename, writeFile } from 'node:fs/promises';
import { holdOverrideFromJson, holdOverrideJson, type HoldOverride } from '../override.js';

/**
 * The hold overrides an operator recorded, one JSON line each, so that acknowledged campaigns stay
 * acknowledged across restarts (the scorer keeps them in memory only). Appends are fsynced before
 * the release they record goes ahead.
 */
export class OverrideJournal {
  constructor(readonly path: string) {}

  /**
   * The overrides still in force at `now`, oldest first. Lines that do not parse are reported and
   * skipped; when some were expired or unreadable the file is rewritten without them.
   */
  async load(now: number, onBadLine: (line: number, problem: string) => void): Promise<HoldOverride[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const entries = text.split('\n').filter((l) => l.trim() !== '');
    const live: HoldOverride[] = [];
    entries.forEach((line, i) => {
      let override: HoldOverride | undefined;
      try {
        override = holdOverrideFromJson(JSON.parse(line));
      } catch (error) {
        return onBadLine(i + 1, (error as Error).message);
      }
      if (!override) return onBadLine(i + 1, 'not a hold override');
      if (override.expiresAt === undefined || override.expiresAt > now) live.push(override);
    });
    if (live.length < entries.length) {
      await writeFile(`${this.path}.tmp`, jsonLines(live));
      await rename(`${this.path}.tmp`, this.path);
    }
    return live;
  }

  async append(overrides: readonly HoldOverride[]): Promise<void> {
    const file = await open(this.path, 'a');
    try {
      await file.write(jsonLines(overrides));
      await file.datasync();
    } finally {
      await file.close();
    }
  }
}

function jsonLines(overrides: readonly HoldOverride[]): string {
  return overrides.map((o) => `${JSON.stringify(holdOverrideJson(o))}\n`).join('');
}
