import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { internalResponse, LogBus, logRecordDefaults, Message, OutsideStores, type LogRecord, type PreSendResult } from '@mtakit/core';
import { MxResolver } from '@mtakit/core/dns';
import { MtaMetrics } from '@mtakit/core/metrics';
import { TestResolver } from '@mtakit/core/testing';
import type { PluginContext, PluginProvides } from '@mtakit/core/mta';
import { createHoldOverride, loadScorerModules, OverrideJournal, readScorerConfig, scorerPlugin } from '@mtakit/scorer';
import { afterAll, describe, expect, it } from 'vitest';

const work = mkdtempSync(join(tmpdir(), 'mtakit-scorer-feature-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let dirs = 0;

/** A fresh directory holding these files (objects are written as JSON). */
function dirWith(files: Record<string, string | object> = {}): string {
  const dir = join(work, `d${++dirs}`);
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

/** A message the default tenant holds for a recipient never mailed before: an IP-literal link and a shortener, no unsubscribe header, HTML only. */
function risky(recipient: string, tenant = 'acme', campaign = 'spring'): Message {
  const data = [
    'From: Deals <deals@shop.example>', 'Subject: Spring sale', 'MIME-Version: 1.0', 'Content-Type: text/html; charset=utf-8', '',
    '<p>Our spring collection is here. <a href="http://203.0.113.7/spring">See the collection</a> <a href="https://bit.ly/acme-spring">Share</a></p>', '',
  ].join('\r\n');
  return new Message({ sender: 'bounces@shop.example', recipient, meta: { tenant, campaign }, data: Buffer.from(data) });
}

describe('the scorer config file (readScorerConfig) and modules', () => {
  it('reads tenants, budgets and modules from the file, modules relative to it', () => {
    const dir = dirWith({
      'scorer.json': {
        defaults: { weights: { time_of_send: 0.2 } }, tenants: { trusted: { threshold: 90 } },
        stage_budget: '10ms', pipeline_budget: '40ms', acknowledgement_duration: '2 days', modules: ['./plugins/stages.ts'],
      },
    });
    const s = readScorerConfig('scorer.json', { cwd: dir, name: 'MTAKIT_SCORER_CONFIG' });
    expect(s).toMatchObject({
      file: join(dir, 'scorer.json'), defaults: { weights: { time_of_send: 0.2 } }, tenants: { trusted: { threshold: 90 } },
      stageBudgetMs: 10, pipelineBudgetMs: 40, acknowledgementMs: 2 * 86_400_000, modules: [join(dir, 'plugins/stages.ts')],
    });
  });

  it('names the file and the key of a bad setting', () => {
    const dir = dirWith({ 'typo.json': { tenant: {} }, 'budget.json': { stage_budget: 'soon' }, 'tenants.json': { tenants: { acme: 65 } }, 'broken.json': '{' });
    expect(() => readScorerConfig('typo.json', { cwd: dir, name: 'MTAKIT_SCORER_CONFIG' })).toThrow(/typo\.json\)\.tenant.*not a known option/);
    expect(() => readScorerConfig('budget.json', { cwd: dir, name: 'MTAKIT_SCORER_CONFIG' })).toThrow(/budget\.json\)\.stage_budget/);
    expect(() => readScorerConfig('tenants.json', { cwd: dir, name: 'MTAKIT_SCORER_CONFIG' })).toThrow(/tenants\.json\)\.tenants.*tenant name = settings/);
    expect(() => readScorerConfig('broken.json', { cwd: dir, name: 'MTAKIT_SCORER_CONFIG' })).toThrow(/MTAKIT_SCORER_CONFIG=.*broken\.json.*cannot read/);
    expect(() => readScorerConfig('missing.json', { cwd: dir, name: 'MTAKIT_SCORER_CONFIG' })).toThrow(/cannot read the scorer config/);
  });

  it('loads stages and a suppression lookup from modules, and refuses what is not one', async () => {
    const dir = dirWith({
      'good.mjs': "export const stages = [{ name: 'gift_cards', scope: 'campaign', weight: 0.6, run: () => ({ score: 0, reasons: [] }) }];\nexport const suppression = () => false;\n",
      'empty.mjs': 'export const nothing = 1;\n',
      'bad-stage.mjs': "export const stages = [{ name: 'x', scope: 'campaign', weight: 0.5 }];\n",
      'also-suppression.mjs': 'export function suppression() { return true; }\n',
    });
    const plugins = await loadScorerModules([join(dir, 'good.mjs')]);
    expect(plugins.stages.map((s) => s.name)).toEqual(['gift_cards']);
    expect(plugins.suppression?.('acme', 'a@example.net')).toBe(false);
    await expect(loadScorerModules([join(dir, 'empty.mjs')])).rejects.toThrow(/exports neither `stages` nor `suppression`/);
    await expect(loadScorerModules([join(dir, 'bad-stage.mjs')])).rejects.toThrow(/stages\[0\] must be a stage/);
    await expect(loadScorerModules([join(dir, 'good.mjs'), join(dir, 'also-suppression.mjs')])).rejects.toThrow(/another module already provides `suppression`/);
    await expect(loadScorerModules([join(dir, 'absent.mjs')])).rejects.toThrow(/cannot import the module/);
  });
});

describe('the override journal', () => {
  const held: PreSendResult = { verdict: 'hold', score: 70, threshold: 65, breakdown: { links: { score: 40, weight: 0.9, reasons: ['links to IP addresses: 203.0.113.7 (+40)'] } }, actions: [] };

  it('keeps overrides in force across restarts and drops expired and unreadable lines', async () => {
    const path = join(dirWith(), 'overrides.jsonl');
    const journal = new OverrideJournal(path);
    const live = createHoldOverride(held, { tenant: 'acme', campaign: 'spring', acknowledgedBy: 'ops', at: 1_000, expiresAt: 10_000 });
    const expired = createHoldOverride(held, { tenant: 'acme', campaign: 'winter', acknowledgedBy: 'ops', at: 1_000, expiresAt: 2_000 });
    expect(await journal.load(0, () => undefined)).toEqual([]); // no file yet
    await journal.append([live, expired]);
    writeFileSync(path, `${readFileSync(path, 'utf8')}{"id":"x"}\nnot json\n`, { flag: 'w' });
    const bad: number[] = [];
    expect(await new OverrideJournal(path).load(5_000, (line) => bad.push(line))).toEqual([live]);
    expect(bad).toEqual([3, 4]);
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(1); // rewritten without them
    expect(await new OverrideJournal(path).load(5_000, () => expect.fail('nothing left to skip'))).toEqual([live]);
  });
});

describe('the scorer plugin', () => {
  // Budgets generous enough for a loaded test machine: a first evaluation over budget is flagged.
  const relaxed = () => {
    const dir = dirWith({ 'scorer.json': { stage_budget: '10s', pipeline_budget: '20s' } });
    return { dir, options: { configFile: join(dir, 'scorer.json') } };
  };

  function context(dataDir: string): PluginContext & { records: LogRecord[]; lines: string[] } {
    const log = new LogBus();
    const records: LogRecord[] = [];
    const lines: string[] = [];
    log.subscribe((r) => void records.push(r));
    return {
      hostname: 'mta.test', dataDir, logger: (level, message) => lines.push(`${level} ${message}`), log,
      metrics: new MtaMetrics({ defaultMetrics: false }), resolver: new MxResolver({ resolver: new TestResolver({}) }), nodeId: 'node-1',
      stores: new OutsideStores(), records, lines,
    };
  }
  const start = async (ctx: PluginContext, options: Parameters<typeof scorerPlugin>[0]): Promise<PluginProvides> => (await scorerPlugin(options).setup(ctx)) ?? {};
  const evaluate = async (feature: PluginProvides, message: Message) =>
    feature.preSend!.evaluate(message, { tenant: message.metaString('tenant'), campaign: message.metaString('campaign'), reception: 'ESMTP' });

  it('logs every verdict, counts it, and keeps a held message’s risks in its meta', async () => {
    const { dir, options } = relaxed();
    const ctx = context(dir);
    const feature = await start(ctx, options);
    const message = risky('ann@example.net');
    const result = await evaluate(feature, message);
    expect(result.verdict).toBe('hold');
    expect(ctx.records).toHaveLength(1);
    expect(ctx.records[0]).toMatchObject({ type: 'PreSendVerdict', id: message.id, nodeid: 'node-1', extra: { verdict: 'hold', score: result.score } });
    expect(message.getMeta('pre_send_hold')).toMatchObject({ score: result.score, threshold: 65, breakdown: { links: { score: 65 } } });
    const metrics = await ctx.metrics.registry.metrics();
    expect(metrics).toMatch(/scorer_verdicts_total\{verdict="hold"\} 1/);
    expect(metrics).toMatch(/scorer_latency_seconds_count 1/);
  });

  it('names the config file when a tenant setting is invalid', async () => {
    const dir = dirWith({ 'scorer.json': { tenants: { acme: { threshold: 120 } } } });
    await expect(start(context(dir), { configFile: join(dir, 'scorer.json'), configName: 'MTAKIT_SCORER_CONFIG' })).rejects.toThrow(/MTAKIT_SCORER_CONFIG=.*scorer\.json.*tenants\.acme\.threshold=120: must be at most 100/);
  });

  it('applies changed thresholds on reload (bump-config-epoch) and refuses invalid ones', async () => {
    const { dir, options } = relaxed();
    const feature = await start(context(dir), options);
    expect((await evaluate(feature, risky('a@example.net'))).verdict).toBe('hold');
    writeFileSync(join(dir, 'scorer.json'), JSON.stringify({ stage_budget: '10s', pipeline_budget: '20s', tenants: { acme: { threshold: 90 } } }));
    await feature.reload!();
    expect((await evaluate(feature, risky('b@example.net'))).verdict).toBe('pass');
    writeFileSync(join(dir, 'scorer.json'), JSON.stringify({ tenants: { acme: { threshold: 'high' } } }));
    await expect(feature.reload!()).rejects.toThrow(/tenants\.acme\.threshold/);
    expect((await evaluate(feature, risky('c@example.net'))).verdict).toBe('pass'); // the old settings stay
  });

  it('writes a share of the pass verdicts at pass_record_sample (off by default), every other verdict, and refuses a bad share', async () => {
    const dir = dirWith({ 'scorer.json': { stage_budget: '10s', pipeline_budget: '20s', pass_record_sample: 0.25, tenants: { acme: { threshold: 90 } } } });
    expect(readScorerConfig(undefined).passRecordSample).toBe(1);
    const ctx = context(dir);
    const feature = await start(ctx, { configFile: join(dir, 'scorer.json') });
    const passed: Message[] = [];
    for (let i = 0; i < 8; i++) {
      const message = risky(`p${i}@example.net`);
      expect((await evaluate(feature, message)).verdict).toBe('pass');
      passed.push(message);
    }
    const held = risky('h@example.net', 'globex');
    expect((await evaluate(feature, held)).verdict).toBe('hold');
    expect(ctx.records.map((r) => r.id)).toEqual([passed[3]!.id, passed[7]!.id, held.id]);
    expect(await ctx.metrics.registry.metrics()).toMatch(/scorer_verdicts_total\{verdict="pass"\} 8/);
    writeFileSync(join(dir, 'scorer.json'), JSON.stringify({ pass_record_sample: 2 }));
    await expect(feature.reload!()).rejects.toThrow(/pass_record_sample=2: must be a number from 0 to 1/);
    writeFileSync(join(dir, 'scorer.json'), JSON.stringify({ stage_budget: '10s', pipeline_budget: '20s', pass_record_sample: 0, tenants: { acme: { threshold: 90 } } }));
    await feature.reload!();
    await evaluate(feature, risky('q@example.net'));
    expect(ctx.records).toHaveLength(3);
  });

  it('learns sends and outcomes from the record types its learners read, and is not called for the others', async () => {
    const { dir, options } = relaxed();
    const feature = await start(context(dir), options);
    const [consumer] = feature.logConsumers ?? [];
    expect([...(consumer?.recordTypes ?? [])].sort()).toEqual(['Bounce', 'Delivery', 'Feedback', 'OOB', 'TransientFailure']);
    const bus = new LogBus();
    bus.subscribe(consumer!);
    const first = await evaluate(feature, risky('known@example.net'));
    expect(first.breakdown['list_freshness']?.score).toBe(30); // never sent to
    await bus.publish(Object.assign(logRecordDefaults(), {
      type: 'Delivery' as const, id: '0'.repeat(32), sender: 'bounces@shop.example', recipient: 'known@example.net', queue: 'spring:acme@example.net',
      site: '', size: 1, response: internalResponse(250, null, 'ok'), peer_address: null, timestamp: Math.floor(Date.now() / 1000), event_time: '',
      created: 0, num_attempts: 1, bounce_classification: 'Uncategorized', meta: { tenant: 'acme' }, reception_protocol: 'ESMTP' as const, nodeid: '',
    }));
    expect((await evaluate(feature, risky('known@example.net'))).breakdown['list_freshness']?.score).toBe(0);
  });

  it('remembers acknowledged campaigns across restarts through the journal', async () => {
    const { dir, options } = relaxed();
    const first = await start(context(dir), options);
    const held = await evaluate(first, risky('ann@example.net'));
    await new OverrideJournal(join(dir, 'scorer-overrides.jsonl')).append([
      createHoldOverride(held, { tenant: 'acme', campaign: 'spring', acknowledgedBy: 'ops', at: Date.now(), expiresAt: Date.now() + 60_000 }),
    ]);
    const restarted = await start(context(dir), options);
    const next = await evaluate(restarted, risky('bob@example.net'));
    expect(next.verdict).toBe('flag');
    expect(next.extra?.['override']).toEqual(expect.any(String));
    expect((await evaluate(restarted, risky('cy@example.net', 'acme', 'autumn'))).verdict).toBe('hold'); // another campaign
  });
});
