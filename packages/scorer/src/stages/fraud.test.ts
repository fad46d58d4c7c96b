import { describe, expect, it } from 'vitest';
import { context, mail, pointsFor, runStage } from '../test-support.js';
import { fraudStage } from './fraud.js';

const stage = fraudStage();
const score = (text: string, from = '"Acme Finance" <finance@acme.example>', subject = 'Hello') =>
  runStage(stage, mail({ from, subject, text }), context('acme', null));

describe('fraud stage', () => {
  it('gives ordinary business mail nothing', async () => {
    for (const text of [
      'This month we shipped faster search and a new billing page. Read the notes on our blog.',
      'Hi Tom, could you send me the signed contract by Friday? Thanks, Lena',
      'Your withdrawal of 0.015 BTC was completed. We will never ask you for your password or your recovery phrase.',
    ]) expect((await score(text)).reasons).toEqual([]);
  });

  describe('asks', () => {
    it('flags a request to buy gift cards, and to send their codes back', async () => {
      const outcome = await score('Can you pick up 5 Apple gift cards of $100 each? Scratch the back and send me pictures of the codes.');
      expect(pointsFor(outcome, /asks the reader to buy gift cards/)).toBe(25);
      expect(pointsFor(outcome, /gift card codes to be sent back/)).toBe(30);
    });

    it('does not flag a shop selling or delivering gift cards', async () => {
      expect((await score('Your 3 gift cards ($75.00 each) will be emailed to the recipients on March 8.')).score).toBe(0);
      expect((await score('Maya sent you a $50 gift card. Gift card code: OT7K-2MQ9. Redeem it at checkout.')).score).toBe(0);
    });

    it('flags the sender saying its bank details changed, not the reader being told to update their own', async () => {
      expect(pointsFor(await score('Please note that we have changed our bank account. Kindly update your records.'), /bank details changed/)).toBe(45);
      expect(pointsFor(await score('I have a new bank account and want my salary paid there.'), /bank details changed/)).toBe(45);
      expect((await score('If your bank details have changed, update them in the portal before the 20th.')).score).toBe(0);
    });

    it('flags a payment request only with an amount', async () => {
      expect(pointsFor(await score('Please remit payment of $2,890.00 by bank transfer.'), /payment of a stated amount/)).toBe(10);
      expect(pointsFor(await score('I need an urgent wire of EUR 27,400.00 to a new partner.'), /payment of a stated amount/)).toBe(10);
      expect((await score('Payment is due within 30 days by bank transfer.')).score).toBe(0);
    });

    it('flags a money-mule offer, not a marketplace payout', async () => {
      const mule = 'You will receive payments from our clients into your personal bank account and forward them to our partners by Bitcoin ATM.';
      expect(pointsFor(await score(mule), /moving money through the reader's account/)).toBe(45);
      const payout = 'You will receive payments from buyers into your bank account within two days; we transfer the funds to your bank every Monday.';
      expect(pointsFor(await score(payout), /moving money/)).toBe(0);
    });

    it('flags the fake-check pattern', async () => {
      const outcome = await score('We will mail you a check of $2,500. Deposit the check and send the balance to our equipment vendor.');
      expect(pointsFor(outcome, /promises to send the reader a check/)).toBe(15);
      expect(pointsFor(outcome, /pay part of a check on/)).toBe(30);
      expect((await score('Your refund check was deposited to your account on March 3.')).score).toBe(0);
    });

    it('flags a reshipping job', async () => {
      expect(pointsFor(await score('You receive parcels at your home address and relabel them with our prepaid labels.'), /reshipping/)).toBe(40);
      expect((await score('Your parcel will be delivered to your home address on Thursday.')).score).toBe(0);
    });

    it('grades requests for details by email: credentials, bank or identity, personal', async () => {
      expect(pointsFor(await score('Reply to this email with your card number, expiry date and CVV.'), /card details or credentials/)).toBe(50);
      expect(pointsFor(await score('Reply with your name, phone number and the name of your bank to apply.'), /bank or identity details/)).toBe(30);
      expect(pointsFor(await score('Send us your full name and mailing address to receive it.'), /personal details/)).toBe(15);
      expect((await score('Coinvale will never ask you for your password. Please do not send bank details by email.')).score).toBe(0);
    });

    it('flags award, inheritance and donation pretexts', async () => {
      expect(pointsFor(await score('Your email address was picked in the International Email Draw and awarded EUR 850,000.'), /award, inheritance/)).toBe(35);
      expect(pointsFor(await score('A client of mine died without a will. I want to present you as next of kin.'), /award, inheritance/)).toBe(35);
      expect((await score('Your photo was selected for our community gallery. Thanks for sharing it!')).score).toBe(0);
    });

    it('flags crypto recovery and promised returns, not market news', async () => {
      expect(pointsFor(await score('Lost money to a fake broker? Our agents recover it on the blockchain.'), /recover lost or stolen/)).toBe(35);
      expect(pointsFor(await score('Our staking pool pays 35% a month on USDT.'), /investment returns/)).toBe(35);
      expect((await score('ETH staking yields fell to 3.1% as more validators joined. Bitcoin closed at $60,400.')).score).toBe(0);
    });

    it('flags untraceable payment channels and chat-app contact', async () => {
      expect(pointsFor(await score('Pay the fee by Western Union before Friday.'), /untraceable channel/)).toBe(20);
      expect(pointsFor(await score('Send the deposit to the wallet below.'), /untraceable channel/)).toBe(20);
      expect(pointsFor(await score('Message your manager on WhatsApp +44 7700 900712.'), /WhatsApp or Telegram/)).toBe(20);
      expect((await score('Our WhatsApp integration is live: connect it in Settings.')).score).toBe(0);
    });

    it('flags phoning a number to cancel a charge or get a refund, not a bank asking the reader to call about fraud', async () => {
      expect(pointsFor(await score('If you did not authorize this renewal, call +1 (877) 555-0118 today to cancel and get your money back.'), /phone to cancel/)).toBe(30);
      expect((await score('If you don\'t recognize it, call us at +1 800 555 0100 and we will block the card.')).score).toBe(0);
    });
  });

  describe('pressure', () => {
    it('counts urgency, secrecy, an unreachable sender, threats and large sums next to an ask', async () => {
      const outcome = await score('I am in a meeting and cannot talk. I need a wire transfer of USD 1,250,000 today; keep this between us. Pay to avoid legal action.');
      expect(pointsFor(outcome, /urgency/)).toBe(10);
      expect(pointsFor(outcome, /secrecy/)).toBe(25);
      expect(pointsFor(outcome, /cannot be reached/)).toBe(15);
      expect(pointsFor(outcome, /a threat/)).toBe(10);
      expect(pointsFor(outcome, /a million or more/)).toBe(20);
    });

    it('ignores pressure without an ask: a confidential announcement is not fraud', async () => {
      const note = 'Please keep this confidential until Thursday: we signed a partnership, announced today. We raised $20 million.';
      expect((await score(note)).score).toBe(0);
    });

    it('counts a request made from a free-mail address', async () => {
      const text = 'Please pay invoice #12 for $600.00 by bank transfer.';
      expect(pointsFor(await score(text, '"Sam Ortiz" <sam.ortiz@gmail.com>'), /comes from a free-mail address \(gmail.com\)/)).toBe(15);
      expect(pointsFor(await score(text), /free-mail/)).toBe(0);
      expect((await score('See you at the club night!', '"Pat" <pat@gmail.com>')).score).toBe(0);
    });
  });

  it('reads the subject too', async () => {
    expect(pointsFor(await score('Details inside.', undefined, 'Change of our bank account: our new bank details'), /bank details changed/)).toBe(45);
  });

  it('takes custom asks and pressure', async () => {
    const custom = fraudStage({ asks: [{ reason: 'asks for tea', points: 40, all: [/\btea\b/i] }], pressure: [{ reason: 'at once', points: 5, all: [/\bnow\b/i] }] });
    const outcome = await runStage(custom, mail({ text: 'Send tea now. Keep this between us.' }));
    expect(outcome.reasons).toEqual(['asks for tea (+40)', 'at once around the request (+5)']);
  });
});
