import type { PreSendVerdict } from '@mtakit/core';

/** Verdicts from least to most severe. */
export const VERDICTS: readonly PreSendVerdict[] = ['pass', 'flag', 'hold', 'reject'];

/** The more severe of two verdicts. */
export function atLeast(a: PreSendVerdict, b: PreSendVerdict): PreSendVerdict {
  return VERDICTS.indexOf(a) >= VERDICTS.indexOf(b) ? a : b;
}

/** The score bands of one tenant, derived from its threshold (see `bandsFor`). */
export interface Bands {
  /** Scores at or above this hold. */
  threshold: number;
  /** Scores at or above this (and below the threshold) are flagged. */
  flagAt: number;
  /** Scores at or above this are rejected; above 100 means "never on score alone". */
  rejectAt: number;
}

/**
 * Bands around the hold threshold T: pass below T − flagMargin, flag up to T, hold from T, and
 * reject from T + rejectMargin. With the defaults (65, 15, 25): pass < 50 ≤ flag < 65 ≤ hold < 90 ≤ reject.
 */
export function bandsFor(threshold: number, flagMargin: number, rejectMargin: number): Bands {
  return { threshold, flagAt: Math.max(0, threshold - flagMargin), rejectAt: threshold + rejectMargin };
}

export function verdictForScore(score: number, bands: Bands): PreSendVerdict {
  if (score >= bands.rejectAt) return 'reject';
  if (score >= bands.threshold) return 'hold';
  if (score >= bands.flagAt) return 'flag';
  return 'pass';
}

/**
 * The total risk from weighted dimension scores: 100 × (1 − Π(1 − wᵢ·sᵢ/100)). Each dimension is
 * independent evidence, so one strong signal is not diluted by clean dimensions (as in a
 * weighted mean) and several moderate ones add up, yet the total never exceeds 100.
 */
export function combineScores(parts: ReadonlyArray<{ score: number; weight: number }>): number {
  let clean = 1;
  for (const p of parts) clean *= 1 - (p.weight * p.score) / 100;
  return Math.round(100 * (1 - clean));
}
