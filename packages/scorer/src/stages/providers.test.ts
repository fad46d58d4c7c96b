import { MxResolver, type MxRecord, type Resolver } from '@mtakit/core/dns';
import { describe, expect, it } from 'vitest';
import { context, mail, pointsFor, runAndObserve, runStage } from '../test-support.js';
import { providerFromMx, providerMixStage } from './providers.js';

/** Sends `n` messages spread over the domains in `mix` (fractions) for one campaign. */
async function send(stage: ReturnType<typeof providerMixStage>, campaign: string, n: number, mix: Record<string, number>) {
  const domains = Object.entries(mix).flatMap(([d, share]) => Array<string>(Math.round(share * 100)).fill(d));
  for (let i = 0; i < n; i++) await runAndObserve(stage, mail({ recipient: `u${i}@${domains[i % domains.length]}` }), context('acme', campaign));
}

const NORM = { 'gmail.com': 0.4, 'yahoo.com': 0.2, 'outlook.com': 0.2, 'corp.example': 0.2 };

describe('provider-mix stage', () => {
  it('gives a campaign shaped like the tenant’s usual traffic nothing', async () => {
    const stage = providerMixStage();
    await send(stage, 'jan', 1000, NORM);
    await send(stage, 'feb', 200, NORM);
    expect((await runStage(stage, mail({ recipient: 'x@gmail.com' }), context('acme', 'feb'))).score).toBe(0);
  });

  it('flags a campaign concentrated on one provider the tenant rarely mails', async () => {
    const stage = providerMixStage();
    await send(stage, 'jan', 1000, NORM);
    await send(stage, 'purchased', 200, { 'yahoo.com': 0.9, 'gmail.com': 0.1 });
    const outcome = await runStage(stage, mail({ recipient: 'x@yahoo.com' }), context('acme', 'purchased'));
    // distance ≈ ½(|.1−.4| + |.9−.2| + .2 + .2) = 0.7 → 150 × (0.7 − 0.2) = 75, capped at 70. (The judgement
    // is refreshed as the campaign grows by 5%, so the shares quoted are those of a recent sample.)
    expect(pointsFor(outcome, /provider mix is 0\.7\d from the tenant's norm: 9\d% go to yahoo.com vs 20% usually/)).toBe(70);
  });

  it('waits for a campaign sample and a tenant norm', async () => {
    const stage = providerMixStage();
    await send(stage, 'jan', 300, NORM); // below minNorm
    await send(stage, 'feb', 150, { 'yahoo.com': 1 });
    expect((await runStage(stage, mail({ recipient: 'x@yahoo.com' }), context('acme', 'feb'))).score).toBe(0);
    const small = providerMixStage();
    await send(small, 'jan', 1000, NORM);
    await send(small, 'feb', 50, { 'yahoo.com': 1 });
    expect((await runStage(small, mail({ recipient: 'x@yahoo.com' }), context('acme', 'feb'))).score).toBe(0);
  });

  it('rolls domains up to their mailbox provider through the resolver', async () => {
    const records: Record<string, MxRecord[]> = {
      'gmail.com': [{ exchange: 'gmail-smtp-in.l.google.com', priority: 5 }, { exchange: 'alt1.gmail-smtp-in.l.google.com', priority: 10 }],
      'googlemail.com': [{ exchange: 'alt1.gmail-smtp-in.l.google.com', priority: 10 }, { exchange: 'gmail-smtp-in.l.google.com', priority: 5 }],
    };
    const resolver: Resolver = {
      resolveMx: async (d) => records[d] ?? Promise.reject(Object.assign(new Error(`no ${d}`), { code: 'ENOTFOUND' })),
      resolveIp: async () => [],
    };
    const resolve = providerFromMx(new MxResolver({ resolver }));
    const site = await resolve('gmail.com');
    expect(site).toMatch(/gmail-smtp-in\.l\.google\.com$/);
    expect(await resolve('googlemail.com')).toBe(site);
    expect(resolve('gmail.com')).toBe(site); // cached: answered synchronously
    expect(await resolve('nowhere.example')).toBe('nowhere.example');
    expect(resolve('nowhere.example')).toBe('nowhere.example'); // the failure is remembered too
  });

  it('with wait: false, answers at once and resolves in the background', async () => {
    let answer: (records: MxRecord[]) => void = () => undefined;
    const resolver: Resolver = {
      resolveMx: () => new Promise((r) => (answer = r)),
      resolveIp: async () => [],
    };
    const resolve = providerFromMx(new MxResolver({ resolver }), { wait: false });
    expect(resolve('googlemail.com')).toBe('googlemail.com'); // DNS has not answered: the domain stands for itself
    answer([{ exchange: 'gmail-smtp-in.l.google.com', priority: 5 }]);
    await new Promise((r) => setImmediate(r));
    expect(resolve('googlemail.com')).toMatch(/gmail-smtp-in\.l\.google\.com$/);
  });
});
