/**
 * The candidate closest to `text` (edit distance, case-insensitive), if it is close enough to be a
 * typo: within `maxDistance` edits (default: a third of the name, at least 2), or containing it.
 */
export function closest(text: string, candidates: readonly string[], maxDistance?: number): string | undefined {
  const t = text.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(t, c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  if (best === undefined) return undefined;
  if (maxDistance !== undefined) return bestDistance <= maxDistance ? best : undefined;
  const limit = Math.max(2, Math.floor(t.length / 3));
  if (bestDistance <= limit || best.toLowerCase().includes(t) || t.includes(best.toLowerCase())) return best;
  return undefined;
}

/** `; did you mean "X"?`, or '' when nothing is close. */
export function didYouMean(text: string, candidates: readonly string[]): string {
  const guess = closest(text, candidates);
  return guess === undefined ? '' : `; did you mean "${guess}"?`;
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((previous[j] as number) + 1, (row[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length] as number;
}
