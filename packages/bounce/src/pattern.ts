/**
 * Rule patterns are written in the Rust `regex` dialect KumoMTA uses. Most of it is also valid
 * JavaScript; this module bridges the differences that occur in rule files and rejects the rest
 * with a message instead of silently matching something else.
 */

export interface JsPattern {
  source: string;
  flags: string;
}

const SUPPORTED_INLINE_FLAGS = new Set(['i', 's', 'm']);

/**
 * Translates one Rust-dialect pattern: leading inline flags `(?i)`, `(?is)`… become RegExp flags,
 * `(?P<name>` becomes `(?<name>`, `\A` and `\z` become `^` and `$`, and `\p{…}` switches on the
 * `u` flag. Throws a `SyntaxError` naming the construct JavaScript cannot express.
 */
export function translatePattern(pattern: string): JsPattern {
  let source = pattern;
  let flags = '';
  const leading = /^\(\?([a-zA-Z]+)\)/.exec(source);
  if (leading) {
    for (const f of leading[1] as string) {
      if (!SUPPORTED_INLINE_FLAGS.has(f)) throw new SyntaxError(`inline flag (?${f}) is not supported`);
      if (!flags.includes(f)) flags += f;
    }
    source = source.slice(leading[0].length);
  }
  if (/\(\?[a-zA-Z-]+[:)]/.test(source)) {
    throw new SyntaxError('inline flags are only supported at the start of a pattern, e.g. "(?i)..."');
  }
  source = source.replace(/\(\?P</g, '(?<').replace(/\\A/g, '^').replace(/\\z/g, '$');
  if (/\\[pP]\{/.test(source)) flags += 'u';
  return { source, flags };
}

/** Compiles a translated pattern, reporting JavaScript's syntax error as is. */
export function compilePattern(pattern: JsPattern): RegExp {
  return new RegExp(pattern.source, pattern.flags);
}
