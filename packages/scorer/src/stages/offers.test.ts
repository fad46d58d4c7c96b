import { describe, expect, it } from 'vitest';
import { unobfuscate } from '../lists/topics.js';
import { context, mail, pointsFor, runStage } from '../test-support.js';
import { offersStage } from './offers.js';

const stage = offersStage();
const score = (text: string, subject = 'Hello') => runStage(stage, mail({ subject, text }), context('acme', null));

describe('offers stage', () => {
  it('flags what bulk spam sells, each topic once', async () => {
    const pills = await score('Viagra, Cialis and Levitra from $1.20 per pill, shipped worldwide.');
    expect(pointsFor(pills, /sells prescription drugs/)).toBe(70);
    expect(pointsFor(await score('Current price: $0.64. 5 day target price: $1.95. Strong buy, call your broker!'), /penny stock/)).toBe(70);
    expect(pointsFor(await score('Adobe Photoshop CS3 only $59, Microsoft Office only $79'), /software licences/)).toBe(60);
  });

  it('reads through spellings that dodge word filters', async () => {
    expect(unobfuscate('V-i-a-g-r-a and C1al1s, dr@gs, S0FT')).toBe('Viagra and Cialis, drags, SoFT');
    expect(pointsFor(await score('Buy C1al1s at $2.22 per dose'), /prescription drugs/)).toBe(70);
  });

  it('does not flag a drug or a stock named without an offer', async () => {
    expect((await score('The negotiations on generic AIDS drugs broke down; Viagra patents were not discussed.')).score).toBe(0);
    expect((await score('CNN Political Ticker: the senator spoke about prescription drug prices today.')).score).toBe(0);
    expect((await score('Our quarterly report: revenue grew 12 % and the board met in May.')).score).toBe(0);
  });
});
