import type { MetricObjectWithValues, MetricValue } from 'prom-client';

type Labels = Record<string, string | number>;
type Histogram = { count: number; sum: number; avg: number; bucket: Array<[number, number]> };
type Value = number | Histogram | null;

/**
 * prom-client's metrics in KumoMTA's `/metrics.json` shape (kumo-prometheus `stream_json`), so
 * tooling written for kumod reads mtakit: `{ name: { help, type, value } }` where `value` is a
 * number (no labels), `{ label: { labelValue: number } }` (one label), or a list of
 * `{ label…, "@": number }` (several); histograms are `{ count, sum, avg, bucket: [[le, n]…] }`.
 */
export function toKumoJson(metrics: ReadonlyArray<MetricObjectWithValues<MetricValue<string>>>): Record<string, { help?: string; type: string; value: unknown }> {
  const out: Record<string, { help?: string; type: string; value: unknown }> = {};
  for (const metric of metrics) {
    const type = String(metric.type);
    const series = type === 'histogram' ? histograms(metric.name, metric.values) : metric.values.map((v) => ({ labels: v.labels as Labels, value: v.value as Value }));
    out[metric.name] = { ...(metric.help ? { help: metric.help } : {}), type, value: shape(series) };
  }
  return out;
}

function shape(series: Array<{ labels: Labels; value: Value }>): unknown {
  const first = series[0];
  if (!first) return null;
  const names = Object.keys(first.labels);
  if (names.length === 0) return first.value;
  if (names.length === 1) {
    const label = names[0] as string;
    return { [label]: Object.fromEntries(series.map((s) => [String(s.labels[label]), s.value])) };
  }
  return series.map((s) => ({ ...Object.fromEntries(Object.entries(s.labels).map(([k, v]) => [k, String(v)])), '@': s.value }));
}

/** Folds prom-client's `_bucket`/`_sum`/`_count` samples into one value per label set. */
function histograms(name: string, values: ReadonlyArray<MetricValue<string>>): Array<{ labels: Labels; value: Histogram }> {
  const byKey = new Map<string, { labels: Labels; value: Histogram }>();
  for (const v of values) {
    const { le, ...labels } = v.labels as Labels;
    const key = JSON.stringify(labels);
    let entry = byKey.get(key);
    if (!entry) byKey.set(key, (entry = { labels, value: { count: 0, sum: 0, avg: 0, bucket: [] } }));
    const sample = (v as { metricName?: string }).metricName;
    if (sample === `${name}_bucket` && le !== '+Inf') entry.value.bucket.push([Number(le), v.value]);
    else if (sample === `${name}_sum`) entry.value.sum = v.value;
    else if (sample === `${name}_count`) entry.value.count = v.value;
  }
  for (const { value } of byKey.values()) value.avg = value.count === 0 ? 0 : value.sum / value.count;
  return [...byKey.values()];
}
