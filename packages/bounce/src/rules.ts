import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { ConfigError } from '@mtakit/core';
import { compilePattern, translatePattern, type JsPattern } from './pattern.js';

/** One classification rule: responses matching `js` get `category`. */
export interface BounceRule {
  readonly category: string;
  /** Where the rule sits in its set: `rules.InvalidRecipient[3]` for files, a name for built-ins. */
  readonly ref: string;
  /** The pattern as written. */
  readonly pattern: string;
  /** The pattern as JavaScript compiles it. */
  readonly js: JsPattern;
}

/** An ordered list of rules from one source (a file, or the built-in set). Earlier rules win. */
export interface BounceRuleSet {
  readonly source: string;
  readonly rules: readonly BounceRule[];
}

export type RuleFileFormat = 'toml' | 'json';

export interface ParseRuleFileOptions {
  /** Name reported in results and errors (usually the file path). */
  source: string;
  /** Defaults to JSON when the text starts with `{`, TOML otherwise. */
  format?: RuleFileFormat;
}

/**
 * Parses a rule file in KumoMTA's format, `[rules] Category = ["regex", …]` (TOML) or
 * `{"rules": {"Category": ["regex", …]}}` (JSON). Order is kept: categories in file order, patterns
 * in list order. Patterns are compiled here so a bad one fails at load time, naming its position.
 */
export function parseRuleFile(text: string, options: ParseRuleFileOptions): BounceRuleSet {
  const { source } = options;
  const format = options.format ?? (text.trimStart().startsWith('{') ? 'json' : 'toml');
  let doc: unknown;
  try {
    doc = format === 'json' ? JSON.parse(text) : parseToml(text);
  } catch (err) {
    throw new ConfigError('bounce.rule_file', source, `not valid ${format.toUpperCase()}: ${(err as Error).message}`, { cause: err });
  }
  const table = isRecord(doc) ? doc['rules'] : undefined;
  if (!isRecord(table)) {
    throw new ConfigError('rules', table, `${source} must have a "rules" table mapping categories to lists of patterns`);
  }
  const rules: BounceRule[] = [];
  for (const [category, patterns] of Object.entries(table)) {
    if (!Array.isArray(patterns)) {
      throw new ConfigError(`rules.${category}`, patterns, `in ${source}: expected a list of regex strings`);
    }
    patterns.forEach((pattern: unknown, i) => {
      const ref = `rules.${category}[${i}]`;
      if (typeof pattern !== 'string') throw new ConfigError(ref, pattern, `in ${source}: expected a regex string`);
      rules.push({ category, ref, pattern, js: checkedPattern(pattern, ref, source) });
    });
  }
  return { source, rules };
}

/** Reads and parses a rule file; the format follows the extension (`.toml`, `.json`). */
export async function loadRuleFile(path: string): Promise<BounceRuleSet> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError('bounce.rule_file', path, `cannot read: ${(err as Error).message}`, { cause: err });
  }
  const ext = extname(path).toLowerCase();
  const format: RuleFileFormat | undefined = ext === '.json' ? 'json' : ext === '.toml' ? 'toml' : undefined;
  return parseRuleFile(text, format ? { source: path, format } : { source: path });
}

/** Builds a rule from a JavaScript RegExp (how the built-in rules are written). */
export function ruleFromRegExp(ref: string, category: string, re: RegExp): BounceRule {
  return { category, ref, pattern: re.source, js: { source: re.source, flags: re.flags.replace(/[gy]/g, '') } };
}

function checkedPattern(pattern: string, ref: string, source: string): JsPattern {
  try {
    const js = translatePattern(pattern);
    compilePattern(js);
    return js;
  } catch (err) {
    throw new ConfigError(ref, pattern, `in ${source}: ${(err as Error).message}`, { cause: err });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
