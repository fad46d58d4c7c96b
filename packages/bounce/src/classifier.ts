import { LRUCache } from 'lru-cache';
import { formatEnhancedCode, responseLine, type EnhancedStatusCode, type SmtpResponse } from '@mtakit/core';
import { BUILTIN_RULES } from './builtin/index.js';
import { compileMatcher, type Matcher, type MatchStrategy } from './matcher.js';
import type { BounceRule, BounceRuleSet } from './rules.js';
import { fallbackCategory, type FallbackBasis } from './status-codes.js';

export interface BounceClassifierOptions {
  /** Rule sets in precedence order; they come before the built-in rules. Default: none. */
  rules?: readonly BounceRuleSet[];
  /** Append mtakit's built-in rules after `rules`. Default: true. */
  builtin?: boolean;
  /** When no rule matches, classify by enhanced status code, then reply code. Default: true. */
  fallback?: boolean;
  /** Results cached per response line (LRU). Default: 4096; 0 disables the cache. */
  cacheSize?: number;
  /** How patterns are evaluated (see matcher.ts). Default: 'indexed'. */
  strategy?: MatchStrategy;
}

/** The rule that decided a classification. */
export interface RuleMatch {
  readonly kind: 'rule';
  /** Rule set source: a file path, or "builtin". */
  readonly source: string;
  /** Position in that source: `rules.InvalidRecipient[3]`, or a built-in rule's name. */
  readonly ref: string;
  /** Precedence across all loaded rules (lower wins). */
  readonly index: number;
  readonly pattern: string;
}

/**
 * No rule matched; the codes decided. `code` is the enhanced code or the basic reply code.
 * `dsn-status`: a DSN's own Status field (X.4.7, delivery time expired) overrode the quoted reply;
 * `expiry-text`: a final report says it gave up ("could not be delivered for 5 days") after a
 * temporary reason.
 */
export interface FallbackMatch {
  readonly kind: 'fallback';
  readonly basis: FallbackBasis | 'dsn-status' | 'expiry-text';
  readonly code: string;
}

export interface BounceClassification {
  readonly category: string;
  /** The reply is permanent (5xx): the message will not be retried. */
  readonly hard: boolean;
  /** What decided the category; null when nothing did (`Uncategorized`). */
  readonly rule: RuleMatch | FallbackMatch | null;
}

const LEADING_CODES = /^([2-5]\d\d)(?:[ -]([245])\.(\d{1,3})\.(\d{1,3})(?!\S))?/;

/**
 * Classifies SMTP replies into bounce categories. Rules are regexes over the one-line form of a
 * reply (`"<code> <c.s.d> <text>"`, see `responseLine`); the lowest-index matching rule wins, in
 * the order: `options.rules` (file order, then entry order), then the built-in rules. Pure and
 * synchronous; results are frozen and cached per line, so repeated replies cost one map lookup.
 */
export class BounceClassifier {
  readonly #rules: readonly (BounceRule & { source: string })[];
  readonly #matcher: Matcher;
  readonly #fallback: boolean;
  readonly #cache: LRUCache<string, BounceClassification> | undefined;

  constructor(options: BounceClassifierOptions = {}) {
    const sets = [...(options.rules ?? []), ...(options.builtin === false ? [] : [BUILTIN_RULES])];
    this.#rules = sets.flatMap((set) => set.rules.map((rule) => ({ ...rule, source: set.source })));
    this.#matcher = compileMatcher(this.#rules.map((r) => r.js), options.strategy);
    this.#fallback = options.fallback ?? true;
    const cacheSize = options.cacheSize ?? 4096;
    this.#cache = cacheSize > 0 ? new LRUCache({ max: cacheSize }) : undefined;
  }

  /** Number of regex rules loaded. */
  get ruleCount(): number {
    return this.#rules.length;
  }

  /** Classifies a reply received from a remote server (the dispatcher's hot path). */
  classify(response: SmtpResponse): BounceClassification {
    return this.classifyLine(responseLine(response));
  }

  /** Classifies a reply already rendered as one line, e.g. `"550 5.1.1 user unknown"`. */
  classifyLine(line: string): BounceClassification {
    const cached = this.#cache?.get(line);
    if (cached) return cached;
    const result = Object.freeze(this.#evaluate(line));
    this.#cache?.set(line, result);
    return result;
  }

  #evaluate(line: string): BounceClassification {
    const codes = LEADING_CODES.exec(line);
    const code = codes ? Number(codes[1]) : 0;
    const hard = code >= 500;
    const index = this.#matcher.match(line);
    if (index >= 0) {
      const rule = this.#rules[index] as BounceRule & { source: string };
      return {
        category: rule.category,
        hard,
        rule: Object.freeze({ kind: 'rule', source: rule.source, ref: rule.ref, index, pattern: rule.pattern }),
      };
    }
    if (this.#fallback && codes) {
      const enhanced: EnhancedStatusCode | null = codes[2]
        ? { class: Number(codes[2]), subject: Number(codes[3]), detail: Number(codes[4]) }
        : null;
      const fallback = fallbackCategory(code, enhanced);
      if (fallback) {
        const shown = fallback.basis === 'reply-code' || !enhanced ? String(code) : formatEnhancedCode(enhanced);
        return { category: fallback.category, hard, rule: Object.freeze({ kind: 'fallback', basis: fallback.basis, code: shown }) };
      }
    }
    return { category: 'Uncategorized', hard, rule: null };
  }
}

let shared: BounceClassifier | undefined;

/** A process-wide classifier with the built-in rules and default options, created on first use. */
export function defaultBounceClassifier(): BounceClassifier {
  shared ??= new BounceClassifier();
  return shared;
}
