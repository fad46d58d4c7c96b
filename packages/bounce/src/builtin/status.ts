import type { BounceRule } from '../rules.js';
import { STATUS_DETAILS } from '../status-codes.js';
import { rule } from './rule.js';

/**
 * One rule per decisive enhanced status code (`^\d{3} [45]\.1\.1 `…), generated from the same
 * table as the fallback so the two never disagree. They sit between the specific wording rules
 * and the catch-all words.
 */
export const STATUS_RULES: BounceRule[] = [...STATUS_DETAILS]
  .filter(([, meaning]) => meaning.decisive)
  .map(([key, meaning]) => {
    const [subject, detail] = key.split('.');
    return rule(`status.x.${key}`, meaning.category, new RegExp(`^\\d{3} [45]\\.${subject}\\.${detail} `));
  });
