import type { JsPattern } from './pattern.js';

/**
 * Prefilter for rule patterns: what a line must contain before a pattern is worth running.
 *
 * - `words`: whole words every match contains, e.g. "reach" in /account that you tried to reach/i
 *   or "virus" in /\bvirus\b/. A word counts only when the pattern fixes the characters on both
 *   sides of it as non-word characters, so it is a token of the line split on non-alphanumerics;
 *   the matcher looks these up in a map, one lookup per token of the line.
 * - `substrings`: otherwise, literal text every match contains (any one of a set), checked with
 *   `includes` on the lower-cased line.
 *
 * Either is a set of alternatives: at least one must be present. The analysis is conservative:
 * anything it does not understand (classes, backreferences, the `u` flag's case folding) gives
 * no requirement, and the pattern always runs. Both sides are lower-cased, which can only add
 * candidates, never remove one.
 */
export interface Prefilter {
  words: string[] | null;
  substrings: string[] | null;
}

const NONE: Prefilter = { words: null, substrings: null };

/** Shortest literal worth an `includes` check. */
const MIN_SUBSTRING = 3;

/** Most `includes` checks worth making instead of running the pattern. */
const MAX_SUBSTRINGS = 2;

/** Words too common in replies to select much; used only when nothing better is required. */
const COMMON_WORDS = new Set([
  'the', 'to', 'of', 'for', 'is', 'not', 'and', 'or', 'a', 'an', 'in', 'on', 'by', 'from', 'this', 'that', 'your', 'you',
  'message', 'mail', 'email', 'please', 'recipient', 'sender', 'address', 'user', 'rejected', 'denied', 'error',
  'smtp', 'see', 'more', 'information', 'http', 'https', 'www', 'com',
]);

export function prefilterFor(pattern: JsPattern): Prefilter {
  if (pattern.flags.includes('u')) return NONE;
  const parser = new Parser(pattern.source);
  try {
    const req = parser.alternation(NO_CONTEXT);
    if (!parser.done()) return NONE;
    if (req.words) return { words: [...req.words], substrings: null };
    // Past a couple of alternatives, the `includes` calls cost as much as running the pattern.
    const useful = req.substrings !== null && req.substrings.size <= MAX_SUBSTRINGS;
    return { words: null, substrings: useful ? [...(req.substrings as Set<string>)] : null };
  } catch {
    return NONE;
  }
}

/** Calls `visit` with each token of the lower-cased line (maximal runs of [a-z0-9]). */
export function forEachToken(lower: string, visit: (token: string) => void): void {
  let start = -1;
  for (let i = 0; i <= lower.length; i++) {
    const c = i < lower.length ? lower.charCodeAt(i) : 0;
    const alnum = (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
    if (alnum) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      visit(lower.slice(start, i));
      start = -1;
    }
  }
}

type Alternatives = Set<string> | null;

/** Whether the characters just outside a group are known to be non-word characters. */
interface Context {
  left: boolean;
  right: boolean;
}

const NO_CONTEXT: Context = { left: false, right: false };

interface Requirement {
  words: Alternatives;
  substrings: Alternatives;
}

/** Marks a run position known to hold a non-word character (or the edge of the input). */
const EDGE = '\u0000';

class Parser {
  #src: string;
  #i = 0;

  constructor(src: string) {
    this.#src = src;
  }

  done(): boolean {
    return this.#i === this.#src.length;
  }

  /** branch ('|' branch)*: any of the branches' requirements. */
  alternation(context: Context): Requirement {
    let words: Alternatives = new Set();
    let substrings: Alternatives = new Set();
    for (;;) {
      const branch = this.#sequence(context);
      words = addAll(words, branch.words);
      substrings = addAll(substrings, branch.substrings);
      if (this.#src[this.#i] !== '|') return { words, substrings };
      this.#i++;
    }
  }

  #sequence(context: Context): Requirement {
    const words: Set<string>[] = [];
    const substrings: Set<string>[] = [];
    // `run` keeps EDGE markers for word boundaries; `text` is the literal text only. The
    // sequence starts and ends with the group's context when that context is a boundary.
    let run = context.left ? EDGE : '';
    let text = '';
    const flushText = (): void => {
      if (text.length >= MIN_SUBSTRING) substrings.push(new Set([text]));
      text = '';
    };
    const flush = (): void => {
      for (const m of run.matchAll(/[a-z0-9]+/g)) {
        if (m.index > 0 && m.index + m[0].length < run.length) words.push(new Set([m[0]]));
      }
      run = '';
      flushText();
    };
    const edge = (): void => {
      run += EDGE;
      flushText();
    };
    const src = this.#src;
    while (this.#i < src.length && src[this.#i] !== '|' && src[this.#i] !== ')') {
      const c = src[this.#i] as string;
      if (c === '(') {
        const left = run.length > 0 && !isWordChar(run[run.length - 1] as string);
        flush();
        const inner = this.#group(left);
        if (this.#quantifier() !== 0 && inner) {
          if (inner.words) words.push(inner.words);
          if (inner.substrings) substrings.push(inner.substrings);
        }
      } else if (c === '[') {
        flush();
        this.#skipClass();
        this.#quantifier();
      } else if (c === '^' || c === '$') {
        this.#i++;
        edge();
      } else if (c === '.') {
        this.#i++;
        this.#quantifier();
        flush();
      } else if (c === '\\') {
        const e = src[this.#i + 1];
        if (e === undefined) throw new SyntaxError('trailing backslash');
        this.#i += 2;
        if (e === 'b') {
          edge();
        } else if (e === 's') {
          const min = this.#quantifier();
          if (min === 0) flush();
          else edge();
        } else if (/[a-zA-Z0-9]/.test(e)) {
          // \d \w \B, backreferences, \x.. \u.... \k<..>, \cX: not one fixed character.
          flush();
          this.#quantifier();
        } else if (this.#quantifier() === -1) {
          run += e;
          text += e;
        } else {
          flush();
        }
      } else if ('*+?'.includes(c) || (c === '{' && this.#atQuantifier())) {
        throw new SyntaxError('quantifier without an atom');
      } else {
        this.#i++;
        if (this.#quantifier() === -1) {
          run += c.toLowerCase();
          text += c.toLowerCase();
        } else {
          // Quantified: its count and so its neighbours are not fixed.
          flush();
        }
      }
    }
    if (context.right) run += EDGE;
    flush();
    return { words: best(words), substrings: best(substrings) };
  }

  /**
   * Parses a group after '('; lookarounds require nothing of the text they are tested on. A
   * first pass finds where the group ends, so that a boundary right after it (and not a
   * quantifier) can be passed in as context for the second, real pass.
   */
  #group(left: boolean): Requirement | null {
    const start = this.#i;
    this.#groupBody(NO_CONTEXT);
    const right = this.#boundaryFollows();
    this.#i = start;
    return this.#groupBody({ left, right });
  }

  #groupBody(context: Context): Requirement | null {
    const src = this.#src;
    this.#i++;
    let lookaround = false;
    if (src[this.#i] === '?') {
      const rest = src.slice(this.#i, this.#i + 3);
      if (rest.startsWith('?:')) {
        this.#i += 2;
      } else if (rest.startsWith('?=') || rest.startsWith('?!')) {
        this.#i += 2;
        lookaround = true;
      } else if (rest === '?<=' || rest === '?<!') {
        this.#i += 3;
        lookaround = true;
      } else if (rest.startsWith('?<')) {
        const close = src.indexOf('>', this.#i);
        if (close < 0) throw new SyntaxError('unterminated group name');
        this.#i = close + 1;
      } else {
        throw new SyntaxError('unsupported group');
      }
    }
    const inner = this.alternation(lookaround ? NO_CONTEXT : context);
    if (src[this.#i] !== ')') throw new SyntaxError('unterminated group');
    this.#i++;
    return lookaround ? null : inner;
  }

  /** After a group: is the next item a fixed non-word character or boundary (and the group unquantified)? */
  #boundaryFollows(): boolean {
    const rest = this.#src.slice(this.#i);
    if (rest === '' || /^[*+?]|^\{\d/.test(rest)) return false;
    if (/^(?:\\b|\$|\\s(?![*?{]))/.test(rest)) return true;
    const c = rest[0] as string;
    if (c === '\\') return /^\\[^a-zA-Z0-9]/.test(rest) && !/^..[*?{]/.test(rest);
    return !isWordChar(c.toLowerCase()) && !'([.|)^'.includes(c) && !/^.[*?{]/.test(rest);
  }

  #skipClass(): void {
    const src = this.#src;
    this.#i++;
    if (src[this.#i] === '^') this.#i++;
    if (src[this.#i] === ']') this.#i++;
    while (this.#i < src.length && src[this.#i] !== ']') this.#i += src[this.#i] === '\\' ? 2 : 1;
    if (this.#i >= src.length) throw new SyntaxError('unterminated class');
    this.#i++;
  }

  #atQuantifier(): boolean {
    return /^\{\d+(?:,\d*)?\}/.test(this.#src.slice(this.#i));
  }

  /** Consumes a quantifier: -1 when there is none, else its minimum count. */
  #quantifier(): number {
    const src = this.#src;
    const c = src[this.#i];
    let min: number;
    if (c === '*' || c === '?') {
      min = 0;
      this.#i++;
    } else if (c === '+') {
      min = 1;
      this.#i++;
    } else if (c === '{' && this.#atQuantifier()) {
      const m = /^\{(\d+)(?:,\d*)?\}/.exec(src.slice(this.#i)) as RegExpExecArray;
      min = Number(m[1]);
      this.#i += m[0].length;
    } else {
      return -1;
    }
    if (src[this.#i] === '?') this.#i++;
    return min;
  }
}

function isWordChar(c: string): boolean {
  return /[a-z0-9]/.test(c);
}

/** `a` ∪ `b`, into `a` (a set the caller owns: copying on every branch was quadratic in the branches). */
function addAll(a: Alternatives, b: Alternatives): Alternatives {
  if (!a || !b) return null;
  for (const x of b) a.add(x);
  return a;
}

/** The most selective option: fewest common words, fewest alternatives, longest shortest-alternative. */
function best(options: Set<string>[]): Alternatives {
  let choice: Set<string> | null = null;
  for (const o of options) {
    if (!choice || compare(o, choice) < 0) choice = o;
  }
  return choice;
}

function compare(a: Set<string>, b: Set<string>): number {
  return common(a) - common(b) || a.size - b.size || shortest(b) - shortest(a);
}

function common(words: Set<string>): number {
  let n = 0;
  for (const w of words) if (COMMON_WORDS.has(w)) n++;
  return n;
}

function shortest(words: Set<string>): number {
  let n = Infinity;
  for (const w of words) n = Math.min(n, w.length);
  return n;
}
