import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogRecord } from '@mtakit/core';
import { MxResolver } from '@mtakit/core/dns';
import { SmtpSink, TestResolver } from '@mtakit/core/testing';
import { createTransport } from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startMta, type RunningMta } from '../src/mta.js';

// The example MTA with its scorer, in this process: mail injected over SMTP, delivered to a sink
// through MTAKIT_SMARTHOST, operated through the admin HTTP API.
const work = mkdtempSync(join(tmpdir(), 'mtakit-scorer-e2e-'));
const dataDir = join(work, 'data');

// A stage that fails the way a lookup service does, for one campaign only; and a suppression list.
writeFileSync(join(work, 'plugins.mjs'), `
export const stages = [{
  name: 'fault', scope: 'message', weight: 0.5,
  run(input) {
    if (input.campaign === 'broken') throw new Error('lookup service unreachable');
    return { score: 0, reasons: [] };
  },
}];
export function suppression(tenant, recipient) {
  return tenant === 'acme' && recipient === 'gone@example.net' ? 'unsubscribed' : undefined;
}
`);
// Budgets generous enough for a loaded test machine: a first evaluation over budget would be
// flagged rather than held (budgets have their own tests in packages/scorer with a fake stopwatch).
writeFileSync(join(work, 'scorer.json'), JSON.stringify({
  tenants: { trusted: { threshold: 90 } }, modules: ['./plugins.mjs'], stage_budget: '10s', pipeline_budget: '20s',
}));

/** Held for a new recipient (score 67): an IP-literal link and a shortener, no unsubscribe header, HTML only. */
function risky(to: string, tenant: string, campaign: string): string {
  return [
    'From: Deals <deals@shop.example>', `To: ${to}`, 'Subject: Spring sale', `X-Tenant: ${tenant}`, `X-Campaign: ${campaign}`,
    'MIME-Version: 1.0', 'Content-Type: text/html; charset=utf-8', '',
    '<p>Our spring collection is here. <a href="http://203.0.113.7/spring">See the collection</a> <a href="https://bit.ly/acme-spring">Share</a></p>', '',
  ].join('\r\n');
}

function clean(to: string, tenant: string, campaign?: string): string {
  return [
    'From: Shop <orders@shop.example>', `To: ${to}`, 'Subject: Your order 1042 has shipped', `X-Tenant: ${tenant}`,
    ...(campaign ? [`X-Campaign: ${campaign}`, 'List-Unsubscribe: <https://shop.example/u>', 'List-Unsubscribe-Post: List-Unsubscribe=One-Click'] : []),
    '', 'Your parcel left our warehouse today and should arrive on Thursday.', '',
  ].join('\r\n');
}

describe('the example MTA with the pre-send scorer', () => {
  const sink = new SmtpSink();
  let mta: RunningMta;
  const url = (path: string) => `http://127.0.0.1:${mta.http.port}${path}`;

  beforeAll(async () => {
    await sink.start();
    Object.assign(process.env, { MTAKIT_SCORER: 'on', MTAKIT_SCORER_CONFIG: join(work, 'scorer.json'), MTAKIT_SCORER_SENDING_DOMAINS: 'verified=shop.example,other=other.example' });
    const config = loadConfig({
      MTAKIT_DATA_DIR: dataDir, MTAKIT_SMARTHOST: sink.address, MTAKIT_FSYNC: 'false',
      MTAKIT_SMTP_LISTEN: '127.0.0.1:0', MTAKIT_HTTP_LISTEN: '127.0.0.1:0',
    }, work);
    mta = await startMta(config, { logger: () => undefined, resolver: new MxResolver({ resolver: new TestResolver({}) }) });
  });
  afterAll(async () => {
    delete process.env['MTAKIT_SCORER'];
    delete process.env['MTAKIT_SCORER_CONFIG'];
    delete process.env['MTAKIT_SCORER_SENDING_DOMAINS'];
    await mta?.stop();
    await sink.stop();
    rmSync(work, { recursive: true, force: true });
  });

  async function send(to: string, raw: string): Promise<{ code: number; id: string; response: string }> {
    const transport = createTransport({ host: '127.0.0.1', port: mta.smtp.port, secure: false, ignoreTLS: true });
    try {
      const info = await transport.sendMail({ envelope: { from: 'bounces@shop.example', to }, raw });
      return { code: Number(info.response.slice(0, 3)), id: /queued as (\w+)/.exec(info.response)?.[1] ?? '', response: info.response };
    } catch (error) {
      const e = error as { responseCode?: number; response?: string; message: string };
      return { code: e.responseCode ?? 0, id: '', response: e.response ?? e.message };
    } finally {
      transport.close();
    }
  }

  function records(): LogRecord[] {
    const dir = join(dataDir, 'logs');
    return readdirSync(dir).flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogRecord));
  }
  const recordsOf = (id: string) => records().filter((r) => r.id === id);
  const verdictOf = async (id: string) => {
    await expect.poll(() => recordsOf(id).some((r) => r.type === 'PreSendVerdict')).toBe(true);
    return recordsOf(id).find((r) => r.type === 'PreSendVerdict')!.extra as { verdict: string; score: number; threshold: number; skipped?: Record<string, string>; override?: string };
  };
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url(path), { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & Array<Record<string, unknown>> };
  };
  const metric = async (line: string) => (await (await fetch(url('/metrics'))).text()).split('\n').find((l) => l.startsWith(line));

  let heldId = '';

  it('holds a risky campaign: accepted and spooled, but nothing reaches the sink', async () => {
    const held = await send('ann@example.net', risky('ann@example.net', 'acme', 'spring'));
    expect(held.code).toBe(250);
    heldId = held.id;
    expect(await verdictOf(heldId)).toMatchObject({ verdict: 'hold', threshold: 65, score: expect.any(Number) });
    // A clean message sent after it is delivered; the held one still is not.
    const control = await send('carl@example.net', clean('carl@example.net', 'acme'));
    expect(await verdictOf(control.id)).toMatchObject({ verdict: 'pass' });
    await sink.waitFor(() => sink.for('carl@example.net').length === 1);
    expect(sink.for('ann@example.net')).toHaveLength(0);
    expect((await api('GET', '/api/admin/held/v1?campaign=spring')).body).toEqual([{ id: heldId, queue: 'spring:acme@example.net' }]);
    const campaigns = (await api('GET', '/api/admin/held/campaigns/v1?tenant=acme')).body;
    expect(campaigns).toHaveLength(1);
    expect(campaigns[0]).toMatchObject({ tenant: 'acme', campaign: 'spring', messages: 1 });
    expect((campaigns[0]!.risks as Array<{ dimension: string }>).map((r) => r.dimension).sort()).toEqual(['links', 'list_freshness']);
    expect(await metric('scorer_verdicts_total{verdict="hold"}')).toMatch(/ 1$/);
  });

  it('refuses a release that does not acknowledge every risk, and releases nothing', async () => {
    const r = await api('POST', '/api/admin/held/release/v1', { campaign: 'spring', acknowledged_by: 'ops@acme.example', acknowledged_risks: ['links'] });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ field: 'acknowledged_risks' });
    expect(r.body.error).toMatch(/also acknowledge list_freshness/);
    expect((await api('POST', '/api/admin/held/release/v1', { campaign: 'spring', acknowledged_risks: ['links'] })).body).toMatchObject({ field: 'acknowledged_by' });
    expect((await api('GET', '/api/admin/held/v1?campaign=spring')).body).toHaveLength(1);
  });

  it('releases the campaign with an override that is logged, then delivers it', async () => {
    const r = await api('POST', '/api/admin/held/release/v1', {
      tenant: 'acme', campaign: 'spring', acknowledged_by: 'ops@acme.example', acknowledged_risks: ['links', 'content', 'list_freshness'], reason: 'partner landing page, checked',
    });
    expect(r.status).toBe(200);
    expect(r.body.released).toBe(1);
    const override = (r.body.overrides as Array<Record<string, unknown>>)[0]!;
    expect(override).toMatchObject({ tenant: 'acme', campaign: 'spring', action: 'release', acknowledgedBy: 'ops@acme.example', note: 'partner landing page, checked', messages: 1 });

    await sink.waitFor(() => sink.for('ann@example.net').length === 1);
    await expect.poll(() => recordsOf(heldId).map((rec) => rec.type)).toContain('Delivery');
    const trail = recordsOf(heldId);
    const release = trail.find((rec) => rec.type === 'PreSendVerdict' && rec.extra?.['action'] === 'release')!;
    expect(release.extra?.['override']).toMatchObject({ id: override.id, acknowledgedBy: 'ops@acme.example', risks: expect.any(Array) });
    expect(release.response.content).toMatch(/released by ops@acme\.example/);
    expect(trail.findIndex((rec) => rec === release)).toBeLessThan(trail.findIndex((rec) => rec.type === 'Delivery'));
    expect(trail.find((rec) => rec.type === 'Delivery')!.meta['hold_override']).toMatchObject({ id: override.id, acknowledged_by: 'ops@acme.example' });
    expect((await api('GET', '/api/admin/held/v1?campaign=spring')).body).toEqual([]);
    // Kept across restarts: the journal has it.
    expect(readFileSync(join(dataDir, 'scorer-overrides.jsonl'), 'utf8')).toContain(String(override.id));
  });

  it('does not hold the acknowledged campaign again for the same risks', async () => {
    const next = await send('bea@example.net', risky('bea@example.net', 'acme', 'spring'));
    const verdict = await verdictOf(next.id);
    expect(verdict.verdict).toBe('flag');
    expect(verdict.score).toBeGreaterThanOrEqual(65);
    expect(verdict.override).toMatch(/^[0-9a-f-]{36}$/);
    await sink.waitFor(() => sink.for('bea@example.net').length === 1);
  });

  it('passes for a tenant with threshold 90 what the default threshold holds', async () => {
    const sent = await send('dan@example.net', risky('dan@example.net', 'trusted', 'spring'));
    const verdict = await verdictOf(sent.id);
    const heldVerdict = await verdictOf(heldId);
    expect(verdict).toMatchObject({ verdict: 'pass', threshold: 90, score: heldVerdict.score });
    await sink.waitFor(() => sink.for('dan@example.net').length === 1);
  });

  it('judges a From against the tenant\'s verified sending domains (scorer_sending_domains)', async () => {
    const verified = await verdictOf((await send('fay@example.net', clean('fay@example.net', 'verified'))).id);
    expect(verified.verdict).toBe('pass');
    // The same message from a tenant verified only for other.example: its From is not its own.
    const unverified = await verdictOf((await send('gil@example.net', clean('gil@example.net', 'other'))).id);
    expect(['flag', 'hold']).toContain(unverified.verdict);
    expect(unverified.score).toBeGreaterThanOrEqual(50);
    const record = records().find((r) => r.type === 'PreSendVerdict' && r.recipient === 'gil@example.net')!;
    expect(JSON.stringify(record.extra)).toMatch(/shop\.example, a domain the tenant has not verified/);
  });

  it('lets mail through, flagged, when a scorer stage throws', async () => {
    const sent = await send('eve@example.net', clean('eve@example.net', 'acme', 'broken'));
    expect(sent.code).toBe(250);
    const verdict = await verdictOf(sent.id);
    expect(verdict.verdict).toBe('flag');
    expect(verdict.skipped).toEqual({ fault: 'failed: lookup service unreachable' });
    await sink.waitFor(() => sink.for('eve@example.net').length === 1);
    expect(await metric('scorer_stage_failures_total{stage="fault"}')).toMatch(/ 1$/);
  });

  it('refuses a suppressed recipient at DATA with 550 5.7.1 and logs the verdict', async () => {
    const sent = await send('gone@example.net', clean('gone@example.net', 'acme'));
    expect(sent.code).toBe(550);
    expect(sent.response).toMatch(/5\.7\.1/);
    await expect.poll(() => records().some((r) => r.type === 'PreSendVerdict' && r.recipient === 'gone@example.net' && r.response.code === 550)).toBe(true);
    expect(await metric('scorer_verdicts_total{verdict="reject"}')).toMatch(/ 1$/);
    expect(sink.for('gone@example.net')).toHaveLength(0);
  });
});
