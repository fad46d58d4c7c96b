import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, startMtaProcess, type MtaProcess } from './helpers/mta-process.js';

/** PromQL words that are not metric names. */
const PROMQL = new Set(['sum', 'min', 'max', 'avg', 'count', 'topk', 'bottomk', 'rate', 'irate', 'increase', 'deriv', 'delta', 'histogram_quantile',
  'clamp_min', 'clamp_max', 'by', 'without', 'on', 'ignoring', 'and', 'or', 'unless', 'bool', 'offset', 'abs', 'time', 'le']);

/** Metric names used by a PromQL expression (label matchers, ranges and grouping clauses removed). */
export function metricNames(expr: string): string[] {
  const bare = expr.replace(/\{[^}]*\}/g, ' ').replace(/\[[^\]]*\]/g, ' ').replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, ' ').replace(/"[^"]*"/g, ' ');
  return [...new Set((bare.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []).filter((w) => !PROMQL.has(w)))];
}

function dashboardExprs(): string[] {
  const dash = JSON.parse(readFileSync(join(repoRoot, 'docs/observability/grafana-dashboard.json'), 'utf8')) as { panels: Array<{ targets: Array<{ expr: string }> }> };
  return dash.panels.flatMap((p) => p.targets.map((t) => t.expr));
}

/** `expr:` values of the rules file, single-line or `|` blocks. */
function alertExprs(): string[] {
  const lines = readFileSync(join(repoRoot, 'docs/observability/alerts.yml'), 'utf8').split('\n');
  const exprs: string[] = [];
  lines.forEach((line, i) => {
    const m = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!m) return;
    if (m[2] !== '|') return void exprs.push(m[2] as string);
    const block: string[] = [];
    for (let j = i + 1; j < lines.length && /^\s+\S/.test(lines[j] as string) && (lines[j] as string).search(/\S/) > (m[1] as string).length; j++) block.push(lines[j] as string);
    exprs.push(block.join(' '));
  });
  return exprs;
}

describe('docs/observability: every metric the dashboard and the alert rules use exists', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtakit-observability-'));
  let mta: MtaProcess | undefined;
  afterAll(async () => {
    await mta?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds each name in the /metrics of the example MTA with an event endpoint configured', async () => {
    writeFileSync(join(dir, 'events.json'), JSON.stringify({ endpoints: [{ name: 'hooks', type: 'webhook', url: 'http://127.0.0.1:9/none' }] }));
    mta = await startMtaProcess({ MTAKIT_DATA_DIR: join(dir, 'data'), MTAKIT_EVENTS: join(dir, 'events.json') });
    const exposition = await (await fetch(`http://127.0.0.1:${mta.httpPort}/metrics`)).text();
    const families = new Map([...exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]));
    const exists = (name: string) => families.has(name) || (/_(bucket|sum|count)$/.test(name) && families.get(name.replace(/_(bucket|sum|count)$/, '')) === 'histogram');
    const exprs = [...dashboardExprs(), ...alertExprs()];
    expect(exprs.length).toBeGreaterThan(30);
    const used = [...new Set(exprs.flatMap(metricNames))];
    expect(used.filter((n) => !exists(n))).toEqual([]);
    expect(used).toContain('events_queue_depth');
  }, 120_000);

  it('reads metric names out of PromQL', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le, event) (rate(lua_event_latency_bucket{x="y"}[5m])))')).toEqual(['lua_event_latency_bucket']);
    expect(metricNames('sum by (instance) (memory_usage) / sum by (instance) (memory_limit) > 0.9')).toEqual(['memory_usage', 'memory_limit']);
  });
});
