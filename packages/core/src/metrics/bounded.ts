/**
 * Bounded label cardinality: a family labelled by tenant, domain or queue gets one series per
 * value, and an ESP has tens of thousands. The `limit` largest keep their own series; the rest are
 * summed into one series whose labels are all `other`, so totals stay right and the series count
 * stays bounded.
 */
export function foldSmallest<L extends string>(
  totals: Iterable<{ labels: Partial<Record<L, string>>; count: number }>, limit: number,
): Array<{ labels: Partial<Record<L, string>>; count: number }> {
  const all = [...totals].sort((a, b) => b.count - a.count);
  if (all.length <= limit) return all;
  const kept = all.slice(0, Math.max(0, limit - 1));
  const rest = all.slice(kept.length);
  const labels = Object.fromEntries(Object.keys(rest[0]?.labels ?? {}).map((k) => [k, 'other'])) as Partial<Record<L, string>>;
  return [...kept, { labels, count: rest.reduce((n, t) => n + t.count, 0) }];
}
