import type { PredefinedBounceCategory } from '../categories.js';
import { ruleFromRegExp, type BounceRule } from '../rules.js';

/** Shorthand for the built-in tables: a named rule from a RegExp literal. */
export function rule(name: string, category: PredefinedBounceCategory, re: RegExp): BounceRule {
  return ruleFromRegExp(name, category, re);
}
