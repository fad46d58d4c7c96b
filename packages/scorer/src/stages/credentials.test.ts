import { describe, expect, it } from 'vitest';
import { context, mail, pointsFor, runStage } from '../test-support.js';
import { fraudStage } from './fraud.js';

const stage = fraudStage();
const score = (spec: { text?: string; html?: string; from?: string; subject?: string }) =>
  runStage(stage, mail({ from: spec.from ?? '"Service" <service@notice-center.example>', subject: spec.subject ?? 'Notice', ...spec }), context('acme', null));

describe('fraud stage: credential phishing', () => {
  it('flags the asks of credential phishing and the pressure around them', async () => {
    const o = await score({ text: 'Your account has been suspended. Please log in to restore your account within 24 hours or it will be permanently closed.' });
    expect(pointsFor(o, /suspended, limited/)).toBe(45);
    expect(pointsFor(o, /log in to restore/)).toBe(40);
    expect(pointsFor(o, /urgency/)).toBe(10);
    expect(pointsFor(o, /a threat/)).toBe(10);
    expect(pointsFor(await score({ text: 'Your mailbox is almost full. 23 incoming messages are pending.' }), /mailbox is full/)).toBe(55);
    expect(pointsFor(await score({ text: 'Enter your 12-word recovery phrase to validate your wallet.' }), /recovery phrase/)).toBe(65);
    expect(pointsFor(await score({ text: 'We could not process your payment. Please update your billing information.' }), /payment or card details|verify or confirm/)).toBeGreaterThanOrEqual(45);
  });

  it('adds a brand claim from a domain that is not the brand\'s, not from the brand itself', async () => {
    const text = 'PayPal: we noticed unusual sign-in activity. Verify your account information now.';
    expect(pointsFor(await score({ text }), /speaks for PayPal but comes from notice-center.example/)).toBe(40);
    expect(pointsFor(await score({ text, from: '"PayPal" <service@mail.paypal.com>' }), /speaks for/)).toBe(0);
  });

  it('flags a form that asks for a password, not a search form', async () => {
    const login = '<form action="https://x.example/p"><input name="email"><input type="password" name="pw"></form>';
    expect(pointsFor(await score({ html: login }), /form in the message asks for a password/)).toBe(65);
    expect((await score({ html: '<form action="https://acme.example/search"><input name="q"></form><p>Monthly news</p>' })).score).toBe(0);
  });

  it('leaves ordinary account mail alone', async () => {
    for (const text of [
      'Please confirm your email address to finish signing up.',
      'Your order has shipped. Track it in your account.',
      'We will never ask for your password or your recovery phrase.',
    ]) expect((await score({ text })).score).toBe(0);
  });
});
