import { readFile, rename, writeFile } from 'node:fs/promises';

/**
 * Every endpoint's acknowledged position in the shared journal, as one small JSON file replaced
 * atomically (write aside, rename). It is not synced: a cursor that lags after a crash only means
 * some events are sent again, which receivers deduplicate by event id.
 */
export class CursorFile {
  readonly #file: string;
  #values = new Map<string, number>();
  #saved = '';

  constructor(file: string) {
    this.#file = file;
  }

  async load(): Promise<void> {
    const text = await readFile(this.#file, 'utf8').catch(() => '{}');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = {};
    }
    for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
      if (Number.isSafeInteger(value)) this.#values.set(key, value as number);
    }
    this.#saved = text;
  }

  /** 0 (nothing acknowledged) for an endpoint without a cursor yet. */
  get(key: string): number {
    return this.#values.get(key) ?? 0;
  }

  /** The highest acknowledged position of any endpoint (0 when none). */
  highest(): number {
    return Math.max(0, ...this.#values.values());
  }

  set(key: string, value: number): void {
    this.#values.set(key, value);
  }

  /** Writes the cursors if they changed since the last save; returns whether anything was written. */
  async save(): Promise<boolean> {
    const text = JSON.stringify(Object.fromEntries(this.#values));
    if (text === this.#saved) return false;
    await writeFile(`${this.#file}.tmp`, text);
    await rename(`${this.#file}.tmp`, this.#file);
    this.#saved = text;
    return true;
  }
}
