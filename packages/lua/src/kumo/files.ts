import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { MtaKitError } from '@mtakit/core';
import { parse as parseToml } from 'smol-toml';

/**
 * File access for a policy: only below the allowed directories (after resolving symlinks), paths
 * relative to the policy's own directory. Every file read is remembered so a watcher can reload
 * when any of them changes.
 */
export class PolicyFiles {
  readonly #allowed: string[];
  readonly #read = new Set<string>();

  readonly #pathMap: ReadonlyArray<[string, string]>;

  constructor(
    /** Directory relative paths are resolved against (the policy file's directory). */
    readonly baseDir: string,
    allowedDirs: readonly string[],
    /**
     * Absolute path prefixes the policy names and the directories they stand for here (KumoMTA
     * policies say `/opt/kumomta/etc/policy/...`). Longest prefix first; targets are allowed.
     */
    pathMap: Readonly<Record<string, string>> = {},
  ) {
    this.#pathMap = Object.entries(pathMap)
      .map(([from, to]): [string, string] => [from.replace(/\/+$/, ''), resolve(baseDir, to)])
      .sort((a, b) => b[0].length - a[0].length);
    this.#allowed = [...allowedDirs, ...this.#pathMap.map(([, to]) => to)].map((d) => (existsSync(d) ? realpathSync(d) : resolve(d)));
  }

  /** `path` with a mapped prefix replaced by its directory. */
  map(path: string): string {
    for (const [from, to] of this.#pathMap) {
      if (path === from || path.startsWith(`${from}/`)) return to + path.slice(from.length);
    }
    return path;
  }

  /** Absolute paths of every file read so far. */
  get filesRead(): readonly string[] {
    return [...this.#read];
  }

  /** Resolves `path` and checks it lies below an allowed directory. `what` names the caller in errors. */
  resolve(path: string, what: string): string {
    const mapped = this.map(path);
    const absolute = resolve(this.baseDir, mapped);
    if (!existsSync(absolute)) {
      throw new MtaKitError('E_NOT_FOUND', `${what}: ${absolute} does not exist${mapped === path ? '' : ` (${path}, through the path map)`}`);
    }
    const real = realpathSync(absolute);
    if (!this.#allowed.some((dir) => real === dir || real.startsWith(dir + sep))) {
      const allowed = this.#allowed.length ? this.#allowed.join(', ') : 'none configured';
      throw new MtaKitError('E_POLICY', `${what}: ${absolute} is outside the allowed directories (${allowed})`);
    }
    return real;
  }

  /** Records a file read by someone else on the policy's behalf (a provider). */
  remember(path: string): void {
    this.#read.add(path);
  }

  readBytes(path: string, what: string): Buffer {
    const real = this.resolve(path, what);
    this.#read.add(real);
    return readFileSync(real);
  }

  /** Reads a TOML (`.toml`) or JSON file as data. */
  loadData(path: string, what: string): unknown {
    const text = this.readBytes(path, what).toString('utf8');
    return path.endsWith('.toml') ? parseTomlText(text, `${what}: ${path}`) : parseJsonText(text, `${what}: ${path}`);
  }

  /** The file behind `require 'a.b'`: `a/b.lua` or `a/b/init.lua` below an allowed directory. */
  findModule(name: string): string | undefined {
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(name)) return undefined;
    const rel = name.split('.').join(sep);
    for (const dir of this.#allowed) {
      for (const candidate of [`${rel}.lua`, `${rel}${sep}init.lua`]) {
        const path = resolve(dir, candidate);
        if (existsSync(path)) return this.resolve(path, `require '${name}'`);
      }
    }
    return undefined;
  }

  /** Chunk name Lua reports in errors: short (Lua truncates long ones) and relative to the base dir. */
  chunkName(absolutePath: string): string {
    const rel = relative(this.baseDir, absolutePath);
    return `@${rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : absolutePath}`;
  }
}

export function parseTomlText(text: string, what: string): unknown {
  try {
    return parseToml(text);
  } catch (error) {
    throw new MtaKitError('E_CONFIG', `${what}: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
}

export function parseJsonText(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MtaKitError('E_CONFIG', `${what}: ${(error as Error).message}`, { cause: error });
  }
}
