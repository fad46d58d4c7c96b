import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUMOD_ENDPOINTS } from './compat/endpoints.js';
import { KUMOD_METRICS } from './compat/metrics.js';
import { BEGIN, END, renderCompat } from './compat/render.js';
import { KUMO_SCENARIOS } from './compat/scenarios.js';
import { startKumoHarness, type KumoHarness } from './harness.js';

const DOC = join(import.meta.dirname, '../../../../docs/kumomta.md');

/** docs/kumomta.md's tables are generated from the tables in compat/ and checked here against a running MTA. */
describe('KumoMTA compatibility table', () => {
  let h: KumoHarness;
  beforeAll(async () => {
    h = await startKumoHarness();
  });
  afterAll(async () => h?.stop());

  it('answers every kumod endpoint as the table says: 501 for refused ones, never 404/405/5xx for the others', async () => {
    for (const e of KUMOD_ENDPOINTS) {
      const r = await h.api(e.method, `${e.path}${e.probe?.query ? `?${e.probe.query}` : ''}`, e.probe?.body);
      const where = `${e.method} ${e.path} answered ${r.status}`;
      if (e.status === 'refused') {
        expect(r.status, where).toBe(501);
        continue;
      }
      expect([405, 501].includes(r.status) || r.status >= 500, where).toBe(false);
      if (r.status === 404) expect(JSON.stringify(r.body), where).not.toMatch(/no such endpoint/);
    }
  });

  it('cites every ported integration test in the test file the table names, and lists every citation', () => {
    const dir = import.meta.dirname;
    const cited = new Set<string>();
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.test.ts'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      for (const m of text.matchAll(/(?:Ports|and\n\s*\/\/)\s+([a-z0-9_]+\.rs) `([a-z0-9_]+)`/g)) cited.add(`${m[1]} ${m[2]} ${file}`);
    }
    const listed = new Set(KUMO_SCENARIOS.filter((s) => s.ported).map((s) => `${s.file} ${s.test} ${s.ported}`));
    expect([...cited].sort()).toEqual([...listed].sort());
    expect(KUMO_SCENARIOS.filter((s) => !s.ported && !s.reason)).toEqual([]);
    expect(listed.size).toBeGreaterThanOrEqual(40);
  });

  it('matches docs/kumomta.md (endpoints, the metric names a running MTA serves, ported tests)', async () => {
    const served = new Set(Object.keys((await h.api<Record<string, unknown>>('GET', '/metrics.json')).body));
    const generated = renderCompat(served);
    const doc = readFileSync(DOC, 'utf8');
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END) + END.length;
    expect(start, 'docs/kumomta.md has the generated section markers').toBeGreaterThanOrEqual(0);
    const current = doc.slice(start, end);
    if (current !== generated && process.env['UPDATE_KUMOMTA_DOC'] === '1') writeFileSync(DOC, doc.slice(0, start) + generated + doc.slice(end));
    else expect(current, 'run UPDATE_KUMOMTA_DOC=1 npx vitest run packages/tests/src/kumo/compat.test.ts').toBe(generated);
    expect(KUMOD_METRICS.filter((m) => served.has(m)).length).toBeGreaterThanOrEqual(30);
  });
});
