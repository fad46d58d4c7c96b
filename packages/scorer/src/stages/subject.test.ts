import { describe, expect, it } from 'vitest';
import { mail, pointsFor, runStage } from '../test-support.js';
import { subjectStage } from './subject.js';

const stage = subjectStage();
const score = (subject: string | undefined, headers: Array<[string, string]> = []) => runStage(stage, mail({ subject, headers }));

describe('subject stage', () => {
  it.each([
    'Your March statement is ready',
    'Password reset for your Acme account',
    'Team offsite: agenda and travel details',
    'Re: your question about the API',
  ])('gives an ordinary subject nothing: %s', async (subject) => {
    const headers: Array<[string, string]> = subject.startsWith('Re:') ? [['In-Reply-To', '<q@acme.example>']] : [];
    const outcome = await score(subject, headers);
    expect(outcome.score).toBe(0);
    expect(outcome.reasons).toEqual([]);
  });

  it('penalizes a missing subject', async () => {
    expect((await score(undefined)).reasons[0]).toMatch(/no subject/);
    expect((await score('   ')).score).toBe(20);
  });

  it('counts each spam phrase once, capped', async () => {
    const outcome = await score('Act now, winner. Act now');
    expect(outcome.reasons[0]).toMatch(/"act now", "winner"/);
    expect(pointsFor(outcome, /spam phrases/)).toBe(20 + 15);
    expect(pointsFor(await score('lottery jackpot cash prize you have won viagra'), /spam phrases/)).toBe(60);
  });

  it('matches phrases on word boundaries only', async () => {
    expect((await score('Our winners circle meetup')).score).toBe(0);
    expect((await score('Acme: curated picks')).score).toBe(0);
  });

  it('flags a mostly-capitals subject but not an acronym', async () => {
    expect(pointsFor(await score('HUGE SAVINGS ON EVERYTHING TODAY'), /capital/)).toBe(25);
    expect((await score('Notes from the NASA API workshop')).score).toBe(0);
    expect(pointsFor(await score('HUGE savings on EVERYTHING in store'), /shouted/)).toBe(10);
  });

  it('flags punctuation runs', async () => {
    expect(pointsFor(await score('Last day?!'), /punctuation/)).toBe(15);
    expect(pointsFor(await score('Save $$$ on tools'), /punctuation/)).toBe(15);
    expect(pointsFor(await score('Wow! Great! Thanks!'), /exclamation/)).toBe(10);
    expect((await score('Ready? Here is the schedule.')).score).toBe(0);
  });

  it('flags RE:/FWD: on a message that replies to nothing', async () => {
    expect(pointsFor(await score('RE: your invoice'), /replies to nothing/)).toBe(15);
    expect(pointsFor(await score('Fwd: your invoice'), /FWD/)).toBe(15);
    expect((await score('RE: your invoice', [['References', '<a@b>']])).score).toBe(0);
  });

  it('scores emoji density', async () => {
    expect((await score('Spring is here 🌷')).score).toBe(0);
    expect(pointsFor(await score('🔥🔥🔥 deals 🔥🔥'), /emoji/)).toBe(20);
  });

  it('flags overlong subjects', async () => {
    expect(pointsFor(await score('word '.repeat(25)), /characters long/)).toBe(3);
  });
});
