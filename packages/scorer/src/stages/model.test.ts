import { describe, expect, it } from 'vitest';
import { parseContent } from '../content/parse.js';
import { extractFeatures, fnv1a, MODEL_TEXT_CHARS, words } from '../model/features.js';
import { ContentModel, sigmoid } from '../model/model.js';
import { shippedContentModel } from '../model-file.js';
import { context, mail, runStage } from '../test-support.js';
import { modelStage } from './model.js';

const featuresOf = (m: ReturnType<typeof mail>) => extractFeatures(m, parseContent(m)).map((f) => f.name);

describe('content model features', () => {
  it('reads words, word pairs, link domains and header make-up, digits folded', () => {
    const names = featuresOf(mail({ subject: 'Price 42', text: 'Buy now at https://shop.example.com/x for $19' }));
    expect(names).toEqual(expect.arrayContaining(['s:price', 's:00', 'w:buy', 'b:buy now', 'w:$00', 'link:example.com', 'tld:com', 'message-id:from', 'fn:acme', 'parts:text']));
  });

  it('ignores what does not exist at pre-send time: the Received chain and the recipient', () => {
    const plain = featuresOf(mail({ text: 'Hello there' }));
    const received = featuresOf(mail({ text: 'Hello there', recipient: 'someone@else.example', headers: [['Received', 'from mx.example by relay.example; Tue, 3 Mar 2026']] }));
    expect(received).toEqual(plain);
  });

  it('reads a bounded prefix of the text, whatever its length', () => {
    expect(words(`${'alpha '.repeat(MODEL_TEXT_CHARS)} omega`)).not.toContain('omega');
    expect(words('word '.repeat(10_000)).length).toBe(2_500);
  });
});

describe('ContentModel', () => {
  it('round-trips through its file form and refuses another file', () => {
    const model = new ContentModel(new Map([[fnv1a('w:pills'), 100], [fnv1a('w:meeting'), -80], [7, 0]]), 0.05, -1.5);
    const copy = ContentModel.decode(model.encode());
    expect(copy.size).toBe(2);
    expect(copy.logit([{ hash: fnv1a('w:pills') }, { hash: fnv1a('w:unknown') }])).toBeCloseTo(-1.5 + 5, 5);
    expect(() => ContentModel.decode(new TextEncoder().encode('not a model at all'))).toThrow(/content model/);
  });
});

describe('model stage', () => {
  const model = new ContentModel(new Map([[fnv1a('w:pills'), 100], [fnv1a('w:cheap'), 60], [fnv1a('w:meeting'), -100]]), 0.05, -3);

  it('scores the probability in percent and names the features that weighed most toward spam', async () => {
    const outcome = await runStage(modelStage({ model }), mail({ text: 'Cheap pills, cheap pills!' }), context());
    expect(outcome.score).toBe(Math.round(100 * sigmoid(-3 + 5 + 3)));
    expect(outcome.reasons[0]).toMatch(/"w:pills", "w:cheap"/);
    const clean = await runStage(modelStage({ model }), mail({ text: 'The meeting moved to Tuesday.' }), context());
    expect(clean).toEqual({ score: 0, reasons: [] });
  });

  it('with the shipped model, tells a drug offer from a note between colleagues, the same way every time', async () => {
    const stage = modelStage({ model: shippedContentModel() });
    const spam = mail({ from: 'Pharmacy <sales@cheap-meds.example>', subject: 'Cheap Viagra and Cialis, no prescription', text: 'Best prices on Viagra, Cialis, Levitra. Order online now, discreet shipping worldwide: http://cheap-meds.example/' });
    const note = mail({ from: 'Anna Berg <anna@example.org>', subject: 'Re: notes from the meeting', headers: [['In-Reply-To', '<1@example.org>']], text: 'Hi Tom,\n\nthanks for the notes. I attached the draft agenda for next week; could you check the budget section?\n\nAnna' });
    const spamScore = (await runStage(stage, spam, context())).score;
    expect(spamScore).toBeGreaterThanOrEqual(65);
    expect((await runStage(stage, note, context())).score).toBeLessThan(10);
    expect((await runStage(stage, spam, context())).score).toBe(spamScore);
  });
});
