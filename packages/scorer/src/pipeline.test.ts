import { ConfigError, type PreSendResult } from '@mtakit/core';
import { describe, expect, it, vi } from 'vitest';
import { MemoryFreshnessStore } from './freshness-store.js';
import { createHoldOverride } from './override.js';
import { Scorer, type ScorerOptions } from './pipeline.js';
import { ReputationTracker } from './reputation-tracker.js';
import { builtinStages } from './stages/builtin.js';
import { context, FakeClock, mail, UNSUBSCRIBE } from './test-support.js';
import type { Stage, StageOutcome } from './types.js';

/** A stage that always answers `score` (or whatever `run` returns). */
function fixed(name: string, score: number, extra: Partial<Stage> = {}): Stage {
  return { name, scope: 'message', weight: 1, run: () => ({ score, reasons: score > 0 ? [`${name} risk (+${score})`] : [], actions: [`fix ${name}`] }), ...extra };
}

/**
 * Budgets far above what any stage here needs: only the budget tests set tight ones, so that a
 * loaded test machine cannot turn a slow first evaluation into a failure elsewhere.
 */
const RELAXED = { stageBudgetMs: 5_000, pipelineBudgetMs: 10_000 } as const;
const evaluate = (options: ScorerOptions, ctx = context()) => new Scorer({ ...RELAXED, ...options }).evaluate(mail(), ctx);

describe('Scorer: scores and verdicts', () => {
  it.each([
    [0, 'pass'], [49, 'pass'], [50, 'flag'], [64, 'flag'], [65, 'hold'], [89, 'hold'], [90, 'reject'], [100, 'reject'],
  ] as const)('with the default bands, score %i is %s', async (score, verdict) => {
    const r = await evaluate({ stages: [fixed('only', score)] });
    expect(r.score).toBe(score);
    expect(r.verdict).toBe(verdict);
    expect(r.threshold).toBe(65);
  });

  it('combines dimensions so one strong signal is not diluted and weak ones add up', async () => {
    const one = await evaluate({ stages: [fixed('a', 80, { weight: 0.9 }), fixed('b', 0), fixed('c', 0), fixed('d', 0)] });
    expect(one.score).toBe(72);
    const several = await evaluate({ stages: [fixed('a', 40, { weight: 0.5 }), fixed('b', 40, { weight: 0.5 }), fixed('c', 40, { weight: 0.5 })] });
    expect(several.score).toBe(Math.round(100 * (1 - 0.8 ** 3))); // 49
    expect(several.breakdown).toEqual({
      a: { score: 40, weight: 0.5, reasons: ['a risk (+40)'] },
      b: { score: 40, weight: 0.5, reasons: ['b risk (+40)'] },
      c: { score: 40, weight: 0.5, reasons: ['c risk (+40)'] },
    });
  });

  it('orders actions by the weight of the risk behind them', async () => {
    const r = await evaluate({ stages: [fixed('small', 10), fixed('big', 60), fixed('none', 0)] });
    expect(r.actions).toEqual(['fix big', 'fix small']);
  });

  it('applies per-tenant thresholds: a tenant at 90 passes what the default holds', async () => {
    const options: ScorerOptions = { stages: [fixed('risk', 70)], tenants: { lenient: { threshold: 90 } } };
    expect((await evaluate(options, context('acme'))).verdict).toBe('hold');
    const lenient = await evaluate(options, context('lenient'));
    expect(lenient.verdict).toBe('pass'); // 70 < 90 − 15
    expect(lenient.threshold).toBe(90);
  });

  it('applies per-tenant weights over the defaults', async () => {
    const options: ScorerOptions = { stages: [fixed('a', 80)], defaults: { weights: { a: 0.5 } }, tenants: { strict: { weights: { a: 1 } } } };
    expect((await evaluate(options)).score).toBe(40);
    expect((await evaluate(options, context('strict'))).score).toBe(80);
  });

  it('lets a stage floor the verdict whatever the score', async () => {
    const floor: Stage = { name: 'gate', scope: 'message', weight: 0.1, run: () => ({ score: 100, reasons: ['suppressed'], floor: 'reject' }) };
    const r = await evaluate({ stages: [floor] });
    expect(r.score).toBe(10);
    expect(r.verdict).toBe('reject');
  });

  it('rejects bad settings with errors naming the key', () => {
    const stages = [fixed('a', 0)];
    expect(() => new Scorer({ stages, tenants: { acme: { threshold: 120 } } })).toThrow(/tenants\.acme\.threshold=120/);
    expect(() => new Scorer({ stages, tenants: { acme: { weights: { links: 0.5 } } } })).toThrow(/tenants\.acme\.weights\.links.*no stage is named "links"/);
    expect(() => new Scorer({ stages, defaults: { weights: { a: 2 } } })).toThrow(ConfigError);
    expect(() => new Scorer({ stages, tenants: { acme: { onFailure: 'drop' as never } } })).toThrow(/tenants\.acme\.onFailure="drop"/);
    expect(() => new Scorer({ stages, tenants: { acme: { treshold: 80 } as never } })).toThrow(/tenants\.acme\.treshold.*not a known option/);
    expect(() => new Scorer({ stages: [fixed('a', 0), fixed('a', 0)] })).toThrow(/two stages/);
  });

  it('never throws: bad settings from a tenant function flag the message instead', async () => {
    const r = await evaluate({ stages: [fixed('a', 0)], tenants: () => ({ threshold: -1 }) });
    expect(r.verdict).toBe('flag');
    expect(r.skipped?.pipeline).toMatch(/threshold=-1/);
  });
});

describe('Scorer: budgets and failures', () => {
  const hang: Stage = { name: 'lookup', scope: 'message', weight: 1, run: () => new Promise<StageOutcome>(() => {}) };
  const broken: Stage = { name: 'broken', scope: 'message', weight: 1, run: () => { throw new Error('lookup service down'); } };

  it('skips an async stage that misses its budget and flags the message (default policy)', async () => {
    const r = await evaluate({ stages: [fixed('a', 0), { ...hang, budgetMs: 5 }] });
    expect(r.verdict).toBe('flag');
    expect(r.skipped).toEqual({ lookup: 'over budget: no answer within 5.00 ms' });
    expect(r.breakdown).toHaveProperty('a');
    expect(r.extra?.failure_policy).toBe('flag');
    expect(r.actions.at(-1)).toMatch(/lookup could not score this message/);
  });

  it('follows the tenant’s failure policy', async () => {
    const options: ScorerOptions = { stages: [broken], stageBudgetMs: 5, tenants: { careful: { onFailure: 'hold' }, relaxed: { onFailure: 'pass' } } };
    expect((await evaluate(options, context('careful'))).verdict).toBe('hold');
    const relaxed = await evaluate(options, context('relaxed'));
    expect(relaxed.verdict).toBe('pass');
    expect(relaxed.skipped).toEqual({ broken: 'failed: lookup service down' });
  });

  it('never lowers a verdict because of a failure', async () => {
    const r = await evaluate({ stages: [fixed('a', 95), broken], tenants: { acme: { onFailure: 'pass' } } });
    expect(r.verdict).toBe('reject');
  });

  it('treats a malformed outcome as a failure', async () => {
    const bad: Stage = { name: 'bad', scope: 'message', weight: 1, run: async () => ({ score: 140, reasons: [] }) };
    const r = await evaluate({ stages: [bad] });
    expect(r.skipped?.bad).toMatch(/returned .*score.*140/);
    expect(r.verdict).toBe('flag');
  });

  it('never skips a synchronous stage for time, so the verdict does not depend on machine speed', async () => {
    let t = 0;
    const slow: Stage = { name: 'slow', scope: 'message', weight: 1, run: () => { t += 30; return { score: 90, reasons: ['x'] }; } };
    const r = await evaluate({ stages: [slow, fixed('b', 0)], stopwatch: { now: () => t }, stageBudgetMs: 20, pipelineBudgetMs: 25 });
    expect(r.skipped).toBeUndefined();
    expect(r.verdict).toBe('reject');
  });

  it('gives an asynchronous stage only what is left of the pipeline budget', async () => {
    let t = 0;
    const step: Stage = { name: 'a', scope: 'message', weight: 1, run: () => { t += 60; return { score: 0, reasons: [] }; } };
    const r = await evaluate({ stages: [step, hang], stopwatch: { now: () => t }, pipelineBudgetMs: 50, stageBudgetMs: 25 });
    expect(Object.keys(r.breakdown)).toEqual(['a']);
    expect(r.skipped).toEqual({ lookup: 'over budget: no answer within 0.00 ms' });
  });

  it('lets learning stages observe accepted messages only', async () => {
    const observe = vi.fn();
    const scorer = new Scorer({ ...RELAXED, stages: [fixed('learner', 0, { observe }), fixed('gate', 0)] });
    await scorer.evaluate(mail(), context());
    expect(observe).toHaveBeenCalledWith(expect.anything(), 'pass');
    const rejecting = new Scorer({ ...RELAXED, stages: [fixed('learner', 0, { observe }), fixed('gate', 100)] });
    await rejecting.evaluate(mail(), context());
    expect(observe).toHaveBeenCalledTimes(1);
  });
});

describe('Scorer: campaign cache', () => {
  function counting(scope: Stage['scope']) {
    const run = vi.fn((input: Parameters<Stage['run']>[0]): StageOutcome => ({ score: input.content().subject === 'Win big' ? 60 : 0, reasons: [] }));
    return { stage: { name: `count-${scope}`, scope, weight: 1, run } satisfies Stage, run };
  }

  /** One newsletter personalized per recipient: address in the body, token in the links, own MIME boundary. */
  const personalized = (recipient: string, i: number, subject = 'March update') => {
    const token = `tok${i}x${(i * 7919).toString(36)}abcdef`;
    const m = mail({
      recipient, subject, headers: [['List-Unsubscribe', `<https://acme.example/u/${token}>`], ['List-Unsubscribe-Post', 'List-Unsubscribe=One-Click']],
      text: `Hello ${recipient}, our news: https://acme.example/news?u=${token}`,
      html: `<p>Hello ${recipient}</p><a href="https://acme.example/news?u=${token}">news</a>`,
    });
    m.setData(Buffer.from(m.getData().toString('latin1').replaceAll('alt-1', `b-${i}-${token}`), 'latin1'));
    return m;
  };

  it('evaluates a campaign stage once per content version and a message stage every time', async () => {
    const campaign = counting('campaign');
    const message = counting('message');
    const scorer = new Scorer({ ...RELAXED, stages: [campaign.stage, message.stage] });
    const results: PreSendResult[] = [];
    for (let i = 0; i < 20; i++) results.push(await scorer.evaluate(personalized(`user${i}@example.net`, i), context()));
    expect(campaign.run).toHaveBeenCalledTimes(1);
    expect(message.run).toHaveBeenCalledTimes(20);
    expect(results[0]?.extra?.cached).toEqual([]);
    expect(results[19]?.extra?.cached).toEqual(['count-campaign']);
    expect(new Set(results.map((r) => r.extra?.content_version)).size).toBe(1);
  });

  it('shares a cached outcome\'s reasons frozen, and copies a stage\'s own array', async () => {
    const own = ['message risk (+10)'];
    const message: Stage = { name: 'per-message', scope: 'message', weight: 1, run: () => ({ score: 10, reasons: own }) };
    const campaign: Stage = { name: 'per-campaign', scope: 'campaign', weight: 1, run: () => ({ score: 20, reasons: ['campaign risk (+20)'] }) };
    const scorer = new Scorer({ ...RELAXED, stages: [message, campaign] });
    const first = await scorer.evaluate(personalized('a@example.net', 1), context());
    const second = await scorer.evaluate(personalized('b@example.net', 2), context());
    expect(second.extra?.cached).toEqual(['per-campaign']);
    // Every message of the campaign reads one array: no reader may change it for the next.
    expect(second.breakdown['per-campaign']?.reasons).toBe(first.breakdown['per-campaign']?.reasons);
    expect(() => first.breakdown['per-campaign']?.reasons.push('changed')).toThrow(TypeError);
    expect(second.breakdown['per-campaign']?.reasons).toEqual(['campaign risk (+20)']);
    first.breakdown['per-message']?.reasons.push('changed');
    expect(own).toEqual(['message risk (+10)']);
  });

  it('re-evaluates when the content, the campaign or the tenant differ', async () => {
    const campaign = counting('campaign');
    const scorer = new Scorer({ ...RELAXED, stages: [campaign.stage] });
    await scorer.evaluate(personalized('a@example.net', 1), context());
    const changed = await scorer.evaluate(personalized('b@example.net', 2, 'Win big'), context());
    expect(changed.breakdown['count-campaign']?.score).toBe(60);
    await scorer.evaluate(personalized('c@example.net', 3), context('acme', 'autumn'));
    await scorer.evaluate(personalized('d@example.net', 4), context('globex'));
    expect(campaign.run).toHaveBeenCalledTimes(4);
  });

  it('shares an evaluation through the content_version meta even when bodies differ', async () => {
    const campaign = counting('campaign');
    const scorer = new Scorer({ ...RELAXED, stages: [campaign.stage] });
    for (const name of ['Ann', 'Bob', 'Cy']) {
      await scorer.evaluate(mail({ subject: 'Hi', text: `Dear ${name}, ...`, meta: { content_version: 'tmpl-42' } }), context());
    }
    expect(campaign.run).toHaveBeenCalledTimes(1);
  });

  it('shares one pending evaluation between concurrent messages, and retries a failed one', async () => {
    let calls = 0;
    let fail = true;
    const slow: Stage = {
      name: 'slow', scope: 'campaign', weight: 1,
      run: () => { calls++; return new Promise<StageOutcome>((resolve, reject) => setTimeout(() => (fail ? reject(new Error('boom')) : resolve({ score: 0, reasons: [] })), 5)); },
    };
    const scorer = new Scorer({ ...RELAXED, stages: [slow] });
    const first = await Promise.all([1, 2, 3].map((i) => scorer.evaluate(personalized(`u${i}@example.net`, i), context())));
    expect(calls).toBe(1);
    expect(first.map((r) => r.verdict)).toEqual(['flag', 'flag', 'flag']);
    fail = false;
    expect((await scorer.evaluate(personalized('u4@example.net', 4), context())).verdict).toBe('pass');
    expect(calls).toBe(2);
  });
});

describe('Scorer: hold overrides', () => {
  it('flags instead of holding later messages whose risks were all acknowledged', async () => {
    const clock = new FakeClock();
    let links = 85;
    let freshness = 0;
    const scorer = new Scorer({ ...RELAXED, stages: [{ ...fixed('links', 0, { weight: 0.8 }), run: () => ({ score: links, reasons: ['shortener'] }) }, { ...fixed('list_freshness', 0, { weight: 0.5 }), run: () => ({ score: freshness, reasons: [] }) }], clock });
    const held = await scorer.evaluate(mail(), context());
    expect(held.verdict).toBe('hold');
    const override = createHoldOverride(held, { tenant: 'acme', campaign: 'spring', acknowledgedBy: 'ops@acme.example', at: clock.now(), note: 'known partner shortener' });
    expect(override.risks).toEqual([{ dimension: 'links', score: 85, reasons: ['shortener'] }]);
    scorer.acknowledge(override);

    const next = await scorer.evaluate(mail(), context());
    expect(next.verdict).toBe('flag');
    expect(next.extra?.override).toBe(override.id);
    expect((await scorer.evaluate(mail(), context('acme', 'other'))).verdict).toBe('hold');

    freshness = 100; // a new risk appears: not covered by the acknowledgement
    expect((await scorer.evaluate(mail(), context())).verdict).toBe('hold');
    freshness = 0;
    links = 100; // the acknowledged risk got worse
    expect(await scorer.evaluate(mail(), context())).toMatchObject({ verdict: 'hold', score: 80 });
  });

  it('stops applying after expiresAt, and never touches rejects', async () => {
    const clock = new FakeClock();
    const scorer = new Scorer({ ...RELAXED, stages: [fixed('links', 85, { weight: 0.8 })], clock });
    const held = await scorer.evaluate(mail(), context());
    scorer.acknowledge(createHoldOverride(held, { tenant: 'acme', campaign: 'spring', acknowledgedBy: 'ops', at: clock.now(), expiresAt: clock.now() + 1000 }));
    expect((await scorer.evaluate(mail(), context())).verdict).toBe('flag');
    clock.advance(1000);
    expect((await scorer.evaluate(mail(), context())).verdict).toBe('hold');
    const rejecting = new Scorer({ ...RELAXED, stages: [fixed('links', 100)], clock });
    rejecting.acknowledge({ ...createHoldOverride(held, { tenant: 'acme', campaign: 'spring', acknowledgedBy: 'ops', at: clock.now() }) });
    expect((await rejecting.evaluate(mail(), context())).verdict).toBe('reject');
  });

  it('only overrides holds, and only when someone is named', async () => {
    const passed = await evaluate({ stages: [fixed('a', 0)] });
    expect(() => createHoldOverride(passed, { tenant: 'acme', acknowledgedBy: 'ops', at: 0 })).toThrow(/only a held result/);
    const held = await evaluate({ stages: [fixed('a', 70)] });
    expect(() => createHoldOverride(held, { tenant: 'acme', acknowledgedBy: ' ', at: 0 })).toThrow(/acknowledgedBy/);
  });
});

describe('Scorer with the built-in stages', () => {
  const scorer = (tenants?: ScorerOptions['tenants']) => new Scorer({
    ...RELAXED,
    stages: builtinStages({ reputation: { tracker: new ReputationTracker() }, freshness: { store: new MemoryFreshnessStore() } }),
    ...(tenants ? { tenants } : {}),
  });

  it('passes a clean newsletter and rejects a phishing message', async () => {
    const s = scorer();
    const clean = mail({ subject: 'March product update', text: 'We shipped faster search and a new billing page this month.', html: '<p>We shipped faster search and a new billing page this month.</p>', headers: UNSUBSCRIBE });
    const good = await s.evaluate(clean, context());
    expect(good.verdict).toBe('pass');
    const phish = mail({
      from: '"PayPal" <service@paypal-verify.top>', sender: 'x@paypal-verify.top', subject: 'URGENT: your account has been suspended!!!',
      html: '<p>Dear customer, verify your account within 24 hours.</p><a href="http://198.51.100.9/pp">https://www.paypal.com/signin</a>',
    });
    const bad = await s.evaluate(phish, context('acme', null));
    expect(bad.verdict).toBe('reject');
    expect(Object.keys(bad.breakdown)).toEqual(['recipient_profile', 'list_freshness', 'reputation_drift', 'provider_mix', 'time_of_send', 'subject', 'content', 'links', 'fraud', 'offers', 'model']);
  });

  it('holds a risky campaign at the default threshold and lets it through for a tenant at 90', async () => {
    const risky = () => mail({
      subject: 'Last chance: 70% off everything', headers: UNSUBSCRIBE,
      text: 'Huge sale, limited time: Cialis from $1.20 per pill. Order now: https://bit.ly/acme-sale',
      html: '<a href="https://bit.ly/acme-sale"><img src="https://acme.example/sale.jpg"></a>',
    });
    const byDefault = await scorer().evaluate(risky(), context());
    expect(byDefault.verdict).toBe('hold');
    const lenient = await scorer({ acme: { threshold: 90 } }).evaluate(risky(), context());
    expect(lenient.score).toBe(byDefault.score);
    expect(lenient.score).toBeLessThan(90);
    expect(['pass', 'flag']).toContain(lenient.verdict);
  });
});

describe('Scorer: deterministic verdicts', () => {
  const build = (stopwatch?: { now(): number }) => new Scorer({
    stages: builtinStages({ reputation: { tracker: new ReputationTracker() }, freshness: { store: new MemoryFreshnessStore() } }),
    ...(stopwatch ? { stopwatch } : {}),
  });
  const phish = () => mail({
    from: 'Facebook ,_<security@random-host.example>', sender: 'x@random-host.example', subject: 'Unusual sign-in activity',
    html: `<p>Verify your account within 24 hours.</p>${'<a href="https://news.example/a">read</a>'.repeat(3000)}`,
  });

  it('gives the same message the same verdict every time, on a slow machine too', async () => {
    const first = await build().evaluate(phish(), context('acme', null));
    let t = 0;
    const slow = build({ now: () => (t += 40) }); // every reading of the clock 40 ms later
    for (let i = 0; i < 3; i++) {
      const again = await slow.evaluate(phish(), context('acme', null));
      expect(again.skipped).toBeUndefined();
      expect({ verdict: again.verdict, score: again.score, breakdown: again.breakdown }).toEqual({ verdict: first.verdict, score: first.score, breakdown: first.breakdown });
    }
  });
});
