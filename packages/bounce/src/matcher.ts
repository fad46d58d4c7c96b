import { compilePattern, type JsPattern } from './pattern.js';
import { forEachToken, prefilterFor } from './prefilter.js';

/** Finds the lowest-index pattern that matches a line (KumoMTA's RegexSet semantics). */
export interface Matcher {
  /** Index of the first matching pattern, or -1. */
  match(line: string): number;
}

export type MatchStrategy = 'indexed' | 'sequential';

/**
 * Compiles patterns into a matcher.
 *
 * `indexed` (the default) runs a pattern only when the line holds what the pattern cannot match
 * without (a word, looked up per token of the line, or else a literal substring; see
 * prefilter.ts). Patterns with neither always run. Candidates are tried in index order, so the
 * answer is the one trying every pattern would give. `sequential` tries every pattern in order:
 * the reference the tests compare against and the baseline the benchmark reports.
 */
export function compileMatcher(patterns: readonly JsPattern[], strategy: MatchStrategy = 'indexed'): Matcher {
  const regexps = patterns.map(compilePattern);
  if (strategy === 'sequential') {
    return {
      match(line) {
        for (let i = 0; i < regexps.length; i++) {
          if ((regexps[i] as RegExp).test(line)) return i;
        }
        return -1;
      },
    };
  }
  const byWord = new Map<string, number[]>();
  const bySubstring: { index: number; substrings: string[] }[] = [];
  const always: number[] = [];
  patterns.forEach((p, index) => {
    const { words, substrings } = prefilterFor(p);
    if (words) {
      for (const w of words) {
        const list = byWord.get(w);
        if (list) list.push(index);
        else byWord.set(w, [index]);
      }
    } else if (substrings) {
      bySubstring.push({ index, substrings });
    } else {
      always.push(index);
    }
  });
  // One flag per pattern, reused between calls (matching is synchronous).
  const candidate = new Uint8Array(patterns.length);
  const mark = (token: string): void => {
    const list = byWord.get(token);
    if (list) for (const i of list) candidate[i] = 1;
  };
  return {
    match(line) {
      candidate.fill(0);
      for (const i of always) candidate[i] = 1;
      const lower = line.toLowerCase();
      forEachToken(lower, mark);
      for (const { index, substrings } of bySubstring) {
        if (substrings.some((s) => lower.includes(s))) candidate[index] = 1;
      }
      for (let i = 0; i < candidate.length; i++) {
        if (candidate[i] === 1 && (regexps[i] as RegExp).test(line)) return i;
      }
      return -1;
    },
  };
}
