import { compilePattern, isAnchoredAtStart, usesGroupReferences, type JsPattern } from './pattern.js';

/** Finds the lowest-index pattern that matches a line (KumoMTA's RegexSet semantics). */
export interface Matcher {
  /** Index of the first matching pattern, or -1. */
  match(line: string): number;
}

export type MatchStrategy = 'combined' | 'sequential';

/**
 * Compiles patterns into a matcher.
 *
 * `combined` (the default) folds runs of patterns that share flags into one RegExp whose branches
 * are lookaheads tried in order: `^(?:(?=[\s\S]*?(?:p0))()|(?=[\s\S]*?(?:p1))()|…)`. The engine
 * then tries pattern 0 at every position before pattern 1, which is exactly "lowest index wins",
 * in one native call instead of one call per pattern. The empty group after each branch tells
 * which one matched. Patterns anchored with `^` skip the `[\s\S]*?` scan. Patterns with
 * backreferences or named groups would break when renumbered, so they stay separate RegExps.
 *
 * `sequential` tests one RegExp per pattern in order; it is the reference the tests compare
 * against and the baseline the benchmark reports.
 */
export function compileMatcher(patterns: readonly JsPattern[], strategy: MatchStrategy = 'combined'): Matcher {
  return strategy === 'sequential' ? sequentialMatcher(patterns) : combinedMatcher(patterns);
}

function sequentialMatcher(patterns: readonly JsPattern[]): Matcher {
  const regexps = patterns.map(compilePattern);
  return {
    match(line) {
      for (let i = 0; i < regexps.length; i++) {
        if ((regexps[i] as RegExp).test(line)) return i;
      }
      return -1;
    },
  };
}

interface Block {
  regexp: RegExp;
  /** Pattern index of each branch, and the capture group that marks it. */
  indexes: number[];
  markers: number[];
}

function combinedMatcher(patterns: readonly JsPattern[]): Matcher {
  const blocks: Block[] = [];
  let run: number[] = [];
  const flush = (): void => {
    if (run.length > 0) blocks.push(combine(patterns, run));
    run = [];
  };
  patterns.forEach((p, i) => {
    const previous = run.length > 0 ? patterns[run[0] as number] : undefined;
    if (usesGroupReferences(p.source)) {
      flush();
      blocks.push(combine(patterns, [i]));
      return;
    }
    if (previous && previous.flags !== p.flags) flush();
    run.push(i);
  });
  flush();
  return {
    match(line) {
      for (const block of blocks) {
        const m = block.regexp.exec(line);
        if (!m) continue;
        for (let b = 0; b < block.markers.length; b++) {
          if (m[block.markers[b] as number] !== undefined) return block.indexes[b] as number;
        }
      }
      return -1;
    },
  };
}

function combine(patterns: readonly JsPattern[], indexes: number[]): Block {
  const first = patterns[indexes[0] as number] as JsPattern;
  if (indexes.length === 1 && usesGroupReferences(first.source)) {
    // Stand-alone: group 0 is the marker, so any match means this pattern.
    return { regexp: compilePattern(first), indexes, markers: [0] };
  }
  const branches: string[] = [];
  const markers: number[] = [];
  let group = 0;
  for (const i of indexes) {
    const p = patterns[i] as JsPattern;
    const scan = isAnchoredAtStart(p.source) ? '' : '[\\s\\S]*?';
    branches.push(`(?=${scan}(?:${p.source}))()`);
    group += countGroups(p) + 1;
    markers.push(group);
  }
  return { regexp: new RegExp(`^(?:${branches.join('|')})`, first.flags), indexes, markers };
}

/** Number of capturing groups in a pattern (an empty alternative makes it match ""). */
function countGroups(p: JsPattern): number {
  return (new RegExp(`${p.source}|`, p.flags).exec('') as RegExpExecArray).length - 1;
}
