/**
 * Lua 5.3 pattern matching (the algorithm of lstrlib.c, MIT), rewritten so that every step is
 * counted: fengari's own matcher runs to completion inside one VM instruction, out of reach of the
 * budget hook, so a pattern with catastrophic backtracking stalled the event loop for seconds.
 * Here `onSteps` is called every STEP_BATCH steps and may throw to abandon the match.
 */
const L_ESC = 0x25; // '%'
const CAP_UNFINISHED = -1;
const CAP_POSITION = -2;
const MAX_CAPTURES = 32;
const MAX_DEPTH = 200;
export const STEP_BATCH = 4096;
const SPECIALS = new Set([...'^$*+?.([%-'].map((c) => c.charCodeAt(0)));

export class PatternError extends Error {}

interface Capture {
  init: number;
  len: number;
}

/** A capture: a byte range of the subject, or a position (`()`), 1-based. */
export type CaptureValue = { kind: 'string'; start: number; end: number } | { kind: 'position'; pos: number };

export class Matcher {
  level = 0;
  readonly capture: Capture[] = [];
  #depth = MAX_DEPTH;
  #steps = 0;

  constructor(
    readonly src: Uint8Array,
    readonly pat: Uint8Array,
    private readonly onSteps: (n: number) => void,
  ) {}

  /** Tries to match the pattern from `p` against the subject at `s`; returns the end or null. */
  match(s: number, p = 0): number | null {
    this.level = 0;
    return this.#match(s, p);
  }

  /** The captures of the last successful match from s to e (the whole match when it has none). */
  captures(s: number, e: number, wholeIfNone = true): CaptureValue[] {
    const n = this.level === 0 && wholeIfNone ? 1 : this.level;
    return Array.from({ length: n }, (_, i) => this.captureAt(i, s, e));
  }

  captureAt(i: number, s: number, e: number): CaptureValue {
    if (i >= this.level) {
      if (i === 0) return { kind: 'string', start: s, end: e };
      throw new PatternError(`invalid capture index %${i + 1}`);
    }
    const { init, len } = this.capture[i] as Capture;
    if (len === CAP_UNFINISHED) throw new PatternError('unfinished capture');
    return len === CAP_POSITION ? { kind: 'position', pos: init + 1 } : { kind: 'string', start: init, end: init + len };
  }

  #step(): void {
    if (++this.#steps === STEP_BATCH) {
      this.#steps = 0;
      this.onSteps(STEP_BATCH);
    }
  }

  #classEnd(p: number): number {
    const c = this.pat[p++];
    if (c === L_ESC) {
      if (p >= this.pat.length) throw new PatternError("malformed pattern (ends with '%')");
      return p + 1;
    }
    if (c === 0x5b) {
      if (this.pat[p] === 0x5e) p++;
      do {
        if (p >= this.pat.length) throw new PatternError("malformed pattern (missing ']')");
        if (this.pat[p++] === L_ESC && p < this.pat.length) p++;
      } while (this.pat[p] !== 0x5d);
      return p + 1;
    }
    return p;
  }

  #bracket(c: number, p: number, ec: number): boolean {
    let sig = true;
    if (this.pat[p + 1] === 0x5e) {
      sig = false;
      p++;
    }
    while (++p < ec) {
      const pc = this.pat[p] as number;
      if (pc === L_ESC) {
        p++;
        if (matchClass(c, this.pat[p] as number)) return sig;
      } else if (this.pat[p + 1] === 0x2d && p + 2 < ec) {
        p += 2;
        if (pc <= c && c <= (this.pat[p] as number)) return sig;
      } else if (pc === c) return sig;
    }
    return !sig;
  }

  #single(s: number, p: number, ep: number): boolean {
    this.#step();
    if (s >= this.src.length) return false;
    const c = this.src[s] as number;
    switch (this.pat[p]) {
      case 0x2e: return true;
      case L_ESC: return matchClass(c, this.pat[p + 1] as number);
      case 0x5b: return this.#bracket(c, p, ep - 1);
      default: return this.pat[p] === c;
    }
  }

  #balance(s: number, p: number): number | null {
    if (p >= this.pat.length - 1) throw new PatternError("malformed pattern (missing arguments to '%b')");
    if (this.src[s] !== this.pat[p]) return null;
    const b = this.pat[p], e = this.pat[p + 1];
    let depth = 1;
    while (++s < this.src.length) {
      this.#step();
      if (this.src[s] === e) {
        if (--depth === 0) return s + 1;
      } else if (this.src[s] === b) depth++;
    }
    return null;
  }

  #maxExpand(s: number, p: number, ep: number): number | null {
    let i = 0;
    while (this.#single(s + i, p, ep)) i++;
    for (; i >= 0; i--) {
      const res = this.#match(s + i, ep + 1);
      if (res !== null) return res;
    }
    return null;
  }

  #minExpand(s: number, p: number, ep: number): number | null {
    for (;;) {
      const res = this.#match(s, ep + 1);
      if (res !== null) return res;
      if (!this.#single(s, p, ep)) return null;
      s++;
    }
  }

  #startCapture(s: number, p: number, what: number): number | null {
    if (this.level >= MAX_CAPTURES) throw new PatternError('too many captures');
    this.capture[this.level] = { init: s, len: what };
    this.level++;
    const res = this.#match(s, p);
    if (res === null) this.level--;
    return res;
  }

  #endCapture(s: number, p: number): number | null {
    let l = this.level - 1;
    while (l >= 0 && (this.capture[l] as Capture).len !== CAP_UNFINISHED) l--;
    if (l < 0) throw new PatternError('invalid pattern capture');
    const cap = this.capture[l] as Capture;
    cap.len = s - cap.init;
    const res = this.#match(s, p);
    if (res === null) cap.len = CAP_UNFINISHED;
    return res;
  }

  #matchCapture(s: number, digit: number): number | null {
    const l = digit - 0x31;
    if (l < 0 || l >= this.level || (this.capture[l] as Capture).len === CAP_UNFINISHED) throw new PatternError(`invalid capture index %${l + 1}`);
    const { init, len } = this.capture[l] as Capture;
    if (this.src.length - s < len) return null;
    for (let i = 0; i < len; i++) {
      this.#step();
      if (this.src[init + i] !== this.src[s + i]) return null;
    }
    return s + len;
  }

  #match(s: number | null, p: number): number | null {
    if (this.#depth-- === 0) throw new PatternError('pattern too complex');
    try {
      return this.#matchFrom(s, p);
    } finally {
      this.#depth++;
    }
  }

  /** The body of lstrlib's `match`, its gotos written as a loop. */
  #matchFrom(s: number | null, p: number): number | null {
    const pat = this.pat;
    for (;;) {
      this.#step();
      if (s === null || p === pat.length) return s;
      const c = pat[p];
      if (c === 0x28) return pat[p + 1] === 0x29 ? this.#startCapture(s, p + 2, CAP_POSITION) : this.#startCapture(s, p + 1, CAP_UNFINISHED);
      if (c === 0x29) return this.#endCapture(s, p + 1);
      if (c === 0x24 && p + 1 === pat.length) return s === this.src.length ? s : null;
      if (c === L_ESC) {
        const next = pat[p + 1] as number;
        if (next === 0x62) { // %b
          s = this.#balance(s, p + 2);
          p += 4;
          continue;
        }
        if (next === 0x66) { // %f
          p += 2;
          if (pat[p] !== 0x5b) throw new PatternError("missing '[' after '%f' in pattern");
          const ep = this.#classEnd(p);
          const previous = s === 0 ? 0 : (this.src[s - 1] as number);
          const current = s === this.src.length ? 0 : (this.src[s] as number);
          if (this.#bracket(previous, p, ep - 1) || !this.#bracket(current, p, ep - 1)) return null;
          p = ep;
          continue;
        }
        if (next >= 0x30 && next <= 0x39) {
          s = this.#matchCapture(s, next);
          p += 2;
          continue;
        }
      }
      const ep = this.#classEnd(p);
      const suffix = pat[ep];
      if (!this.#single(s, p, ep)) {
        if (suffix === 0x2a || suffix === 0x3f || suffix === 0x2d) {
          p = ep + 1;
          continue;
        }
        return null;
      }
      switch (suffix) {
        case 0x3f: {
          const res = this.#match(s + 1, ep + 1);
          if (res !== null) return res;
          p = ep + 1;
          continue;
        }
        case 0x2b: return this.#maxExpand(s + 1, p, ep);
        case 0x2a: return this.#maxExpand(s, p, ep);
        case 0x2d: return this.#minExpand(s, p, ep);
        default:
          s++;
          p = ep;
      }
    }
  }
}

/** Whether a pattern has no magic characters (string.find then searches for it as plain text). */
export function isPlain(pat: Uint8Array): boolean {
  return !pat.some((c) => SPECIALS.has(c));
}

/** Plain substring search from `from`, counting one step per candidate position. */
export function findPlain(src: Uint8Array, pat: Uint8Array, from: number, onSteps: (n: number) => void): number {
  if (pat.length === 0) return from;
  let scanned = 0;
  for (let i = src.indexOf(pat[0] as number, from); i !== -1; i = src.indexOf(pat[0] as number, i + 1)) {
    scanned += pat.length;
    if (scanned >= STEP_BATCH) {
      onSteps(scanned);
      scanned = 0;
    }
    let j = 1;
    while (j < pat.length && src[i + j] === pat[j]) j++;
    if (j === pat.length) return i;
  }
  return -1;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isLower = (c: number) => c >= 0x61 && c <= 0x7a;
const isUpper = (c: number) => c >= 0x41 && c <= 0x5a;
const isAlpha = (c: number) => isLower(c) || isUpper(c);
const isAlnum = (c: number) => isAlpha(c) || isDigit(c);
const isGraph = (c: number) => c > 0x20 && c < 0x7f;
const CLASSES: Record<number, (c: number) => boolean> = {
  0x61: isAlpha,
  0x63: (c) => c < 0x20 || c === 0x7f,
  0x64: isDigit,
  0x67: isGraph,
  0x6c: isLower,
  0x70: (c) => isGraph(c) && !isAlnum(c),
  0x73: (c) => c === 0x20 || (c >= 0x09 && c <= 0x0d),
  0x75: isUpper,
  0x77: isAlnum,
  0x78: (c) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46),
  0x7a: (c) => c === 0,
};

/** `%a`, `%D`, …: lower case is the class, upper case its complement; anything else matches itself. */
function matchClass(c: number, cl: number): boolean {
  const lower = cl | 0x20;
  const test = CLASSES[lower];
  if (!test || !isAlpha(cl)) return cl === c;
  return isLower(cl) ? test(c) : !test(c);
}
