import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Message, type EgressPathConfigInput, type ShapingRules, type ShapingRulesLoader, type ShapingRulesLoadOptions } from '@mtakit/core';
import { loadLuaPolicy, type LoadLuaPolicyOptions, type LuaPolicyHost } from './host.js';
import type { LuaLogEntry } from './kumo/context.js';

/** Test helpers (not part of the public API). */

export interface Loaded {
  host: LuaPolicyHost;
  logs: LuaLogEntry[];
}

/** Loads a policy from text with a logger that keeps the entries. */
export async function loadSource(source: string, options: Omit<LoadLuaPolicyOptions, 'source'> = {}): Promise<Loaded> {
  const logs: LuaLogEntry[] = [];
  const host = await loadLuaPolicy({ logger: (e) => logs.push(e), ...options, source });
  return { host, logs };
}

/** A message with the given header lines and meta. */
export function message(headers: string[], meta: Record<string, string> = {}, recipient = 'rcpt@example.com'): Message {
  const data = Buffer.from(`${[...headers, 'Subject: test'].join('\r\n')}\r\n\r\nHello\r\n`);
  return new Message({ sender: 'sender@example.org', recipient, data, meta: { ...meta } });
}

/** A fresh directory holding the given files (relative path → content). */
export function tempDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mtakit-lua-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

/**
 * A ShapingRulesLoader standing in for the shaping package: each "file" maps domains to path
 * configs, later files overriding earlier ones; `default` applies to every domain.
 */
export class FakeShapingLoader implements ShapingRulesLoader {
  readonly calls: Array<{ files: readonly string[]; options: ShapingRulesLoadOptions | undefined }> = [];

  constructor(private readonly byFile: Record<string, Record<string, EgressPathConfigInput>>) {}

  async load(files: readonly string[], options?: ShapingRulesLoadOptions): Promise<ShapingRules> {
    this.calls.push({ files, options });
    const tables = files.map((f) => {
      const table = Object.entries(this.byFile).find(([name]) => f.endsWith(name));
      if (!table) throw new Error(`no shaping data for ${f}`);
      return table[1];
    });
    return {
      warnings: [],
      egressPathConfig: async (domain) => {
        const merged = Object.assign({}, ...tables.flatMap((t) => [t['default'], t[domain]].filter(Boolean))) as EgressPathConfigInput;
        return Object.keys(merged).length ? merged : undefined;
      },
    };
  }
}
