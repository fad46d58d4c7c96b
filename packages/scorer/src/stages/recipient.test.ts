import { describe, expect, it } from 'vitest';
import { mail, pointsFor, runStage } from '../test-support.js';
import { recipientStage } from './recipient.js';

const stage = recipientStage();
const score = (recipient: string, s = stage) => runStage(s, mail({ recipient }));

describe('recipient-profile stage', () => {
  it.each(['jane.doe@example.net', 'j+news@example.org', 'ops-team@company.example'])('gives a personal address nothing: %s', async (r) => {
    expect((await score(r)).score).toBe(0);
  });

  it('forces a reject for a malformed address', async () => {
    const outcome = await score('not an address');
    expect(outcome.score).toBe(100);
    expect(outcome.floor).toBe('reject');
    expect(outcome.reasons[0]).toMatch(/malformed/);
  });

  it('forces a reject for a suppressed recipient, with the lookup’s reason', async () => {
    const suppressed = recipientStage({ suppression: async (tenant, r) => (tenant === 'acme' && r === 'gone@example.net' ? 'unsubscribed 2026-01-02' : false) });
    const outcome = await score('gone@example.net', suppressed);
    expect(outcome.floor).toBe('reject');
    expect(outcome.reasons[0]).toMatch(/suppressed for this tenant \(unsubscribed 2026-01-02\)/);
    expect((await score('here@example.net', suppressed)).floor).toBeUndefined();
  });

  it('flags disposable domains, likely typos and role accounts', async () => {
    expect(pointsFor(await score('x7@mailinator.com'), /disposable/)).toBe(50);
    expect(pointsFor(await score('jane@gmial.com'), /typo of gmail.com/)).toBe(40);
    expect(pointsFor(await score('Info+promo@company.example'), /info@ is a role account/)).toBe(25);
  });

  it('flags a From domain imitating the recipient\'s own domain', async () => {
    const bec = (from: string, recipient: string) => runStage(stage, mail({ from, recipient }));
    expect(pointsFor(await bec('"Laura Chen" <laura@brightloom-group.example>', 'finance@brightloom.example'), /From domain brightloom-group.example imitates the recipient's domain brightloom.example/)).toBe(60);
    expect(pointsFor(await bec('ap@tallyb00k.example', 'payroll@tallybook.example'), /imitates/)).toBe(60);
    expect(pointsFor(await bec('maria@brightloom.example', 'staff@brightloom.example'), /imitates/)).toBe(0);
    expect(pointsFor(await bec('news@mail.brightloom.example', 'ann@brightloom.example'), /imitates/)).toBe(0);
    expect(pointsFor(await bec('tips@gmail-tricks.example', 'ann@gmail.com'), /imitates/)).toBe(0); // free-mail users are not one organization
  });

  it('accepts custom lists', async () => {
    const custom = recipientStage({ roleAccounts: new Set(['buyers']), disposableDomains: new Set(['throwaway.example']) });
    expect((await score('info@company.example', custom)).score).toBe(0);
    expect(pointsFor(await score('buyers@company.example', custom), /role/)).toBe(25);
    expect(pointsFor(await score('a@throwaway.example', custom), /disposable/)).toBe(50);
  });
});
