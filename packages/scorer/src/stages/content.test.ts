import { Message } from '@mtakit/core';
import { describe, expect, it } from 'vitest';
import { context, mail, pointsFor, runStage, UNSUBSCRIBE, type MailSpec } from '../test-support.js';
import { contentStage } from './content.js';

const stage = contentStage();
const NEWSLETTER_TEXT = 'This month we shipped faster search, a new billing page and fixes for the mobile app. Read the notes on our blog.';
const NEWSLETTER_HTML = `<p>${NEWSLETTER_TEXT}</p><img src="https://acme.example/logo.png" alt="Acme">`;
const clean: MailSpec = { subject: 'March product update', text: NEWSLETTER_TEXT, html: NEWSLETTER_HTML, headers: UNSUBSCRIBE };
const score = (spec: MailSpec, ctx = context()) => runStage(stage, mail({ ...clean, ...spec }), ctx);

describe('content stage', () => {
  it('gives a well-formed, aligned bulk newsletter nothing', async () => {
    const outcome = await score({});
    expect(outcome.reasons).toEqual([]);
    expect(outcome.score).toBe(0);
  });

  it('gives a transactional message without unsubscribe headers nothing', async () => {
    const outcome = await score({ headers: [] }, context('acme', null));
    expect(outcome.score).toBe(0);
  });

  describe('body', () => {
    it('flags image-only HTML', async () => {
      const outcome = await score({ text: 'x', html: '<a href="https://acme.example"><img src="https://acme.example/offer.jpg"></a>' });
      expect(pointsFor(outcome, /image\(s\) with 0 characters/)).toBe(30);
    });

    it('flags HTML without a text alternative, and a text part much shorter than the HTML', async () => {
      expect(pointsFor(await runStage(stage, mail({ html: NEWSLETTER_HTML, headers: UNSUBSCRIBE })), /plain-text alternative/)).toBe(3);
      const longHtml = `<p>${NEWSLETTER_TEXT.repeat(3)}</p>`;
      expect(pointsFor(await score({ text: 'See HTML.', html: longHtml }), /much shorter/)).toBe(5);
    });

    it('allows a short hidden preheader but not paragraphs of hidden text', async () => {
      const preheader = `<div style="display:none;max-height:0">Faster search, new billing page</div>`;
      expect((await score({ html: preheader + NEWSLETTER_HTML })).score).toBe(0);
      const stuffed = `<div style="display:none">${'cheap meds online best offer '.repeat(30)}</div>`;
      expect(pointsFor(await score({ html: stuffed + NEWSLETTER_HTML }), /styled invisible/)).toBe(5);
    });

    it('counts body spam phrases at a sixth of their subject weight (newsletters use them as much as spam)', async () => {
      const outcome = await score({ text: 'Dear customer, verify your account within 24 hours.', html: '<p>Dear customer, verify your account within 24 hours.</p>' });
      expect(pointsFor(outcome, /spam phrases in the body/)).toBe(10); // (10 + 30 + 20) / 6
    });

    it('flags a message with no readable text at all', async () => {
      const m = new Message({ sender: 'b@acme.example', recipient: 'r@example.net', data: Buffer.from('From: a@acme.example\r\nSubject: x\r\n\r\n') });
      expect(pointsFor(await runStage(stage, m, context('acme', null)), /no readable text/)).toBe(25);
    });
  });

  describe('structure', () => {
    it('analyzes only the first 128 Ki characters of a huge body', async () => {
      const huge = `${'Quarterly report text. '.repeat(7000)} act now, claim your prize`;
      const outcome = await score({ text: huge, html: `<p>${huge}</p>` });
      expect(outcome.reasons).toContain('only the first 128 Ki characters of the text and HTML were analyzed');
      expect(pointsFor(outcome, /spam phrases/)).toBe(0);
    });

    it('flags large messages', async () => {
      expect(pointsFor(await score({ text: NEWSLETTER_TEXT.repeat(1000) }), /KiB \(over 100 KiB\)/)).toBe(3);
    });

    it('flags broken MIME', async () => {
      const data = Buffer.from('From: a@acme.example\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=q\r\n\r\n--q\r\nContent-Type: text/plain\r\n\r\nhello there');
      const outcome = await runStage(stage, new Message({ sender: 'b@acme.example', recipient: 'r@example.net', data }), context('acme', null));
      expect(pointsFor(outcome, /broken MIME: .*not closed/)).toBe(3);
    });

    it('flags executable and HTML attachments', async () => {
      const data = Buffer.from([
        'From: a@acme.example', 'Subject: invoice', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary=m', '',
        '--m', 'Content-Type: text/plain', '', 'Please see the attached invoice for details of the payment.',
        '--m', 'Content-Type: application/octet-stream; name="invoice.pdf.exe"', 'Content-Disposition: attachment', '', 'MZ',
        '--m', 'Content-Type: text/html; name="login.html"', 'Content-Disposition: attachment; filename="login.html"', '', '<form>',
        '--m--', '',
      ].join('\r\n'));
      const outcome = await runStage(stage, new Message({ sender: 'b@acme.example', recipient: 'r@example.net', data }), context('acme', null));
      expect(pointsFor(outcome, /executable attachment: invoice.pdf.exe/)).toBe(50);
      expect(pointsFor(outcome, /HTML attachment: login.html/)).toBe(40);
    });
  });

  describe('unsubscribe headers on bulk mail', () => {
    it('flags a missing List-Unsubscribe', async () => {
      expect(pointsFor(await score({ headers: [] }), /without a List-Unsubscribe/)).toBe(5);
    });

    it('flags a mailto-only header and a missing one-click Post header', async () => {
      expect(pointsFor(await score({ headers: [['List-Unsubscribe', '<mailto:u@acme.example>']] }), /no https link/)).toBe(3);
      expect(pointsFor(await score({ headers: [['List-Unsubscribe', '<https://acme.example/u/1>']] }), /List-Unsubscribe-Post/)).toBe(3);
    });

    it('treats mail_class meta as authoritative', async () => {
      const m = mail({ ...clean, headers: [], meta: { mail_class: 'transactional' } });
      expect((await runStage(stage, m)).score).toBe(0);
    });
  });

  describe('sender identity', () => {
    it('flags a missing From', async () => {
      const data = Buffer.from(`Subject: hi\r\nContent-Type: text/plain\r\n\r\n${NEWSLETTER_TEXT}`);
      expect(pointsFor(await runStage(stage, new Message({ sender: 'b@acme.example', recipient: 'r@example.net', data }), context('acme', null)), /no valid From/)).toBe(30);
    });

    it('flags a display name that names another domain', async () => {
      const outcome = await score({ from: '"service@paypal.com" <alerts@secure-notice.example>', sender: 'b@secure-notice.example' });
      expect(pointsFor(outcome, /From name shows paypal.com/)).toBe(30);
      expect((await score({ from: '"Acme (acme.example)" <news@acme.example>' })).score).toBe(0);
    });

    it('flags replies routed to free mail from a company domain', async () => {
      expect(pointsFor(await score({ headers: [...UNSUBSCRIBE, ['Reply-To', 'billing.acme@gmail.com']] }), /free-mail/)).toBe(15);
      expect((await score({ headers: [...UNSUBSCRIBE, ['Reply-To', 'support@help.acme.example']] })).score).toBe(0);
    });

    it('flags replies routed to another domain, a little (invoicing and event services do it for their customers)', async () => {
      expect(pointsFor(await score({ headers: [...UNSUBSCRIBE, ['Reply-To', 'accounts@harborcoffee.example']] }), /replies go to harborcoffee.example, another domain/)).toBe(5);
      expect(pointsFor(await score({ from: 'a@gmail.com', sender: 'a@gmail.com', headers: [...UNSUBSCRIBE, ['Reply-To', 'claims@yahoo.com']] }), /replies go to yahoo.com/)).toBe(5);
    });

    it('flags a From at a free-mail provider, more when it poses as an organization or executive', async () => {
      const plain = await score({ from: '"Sam Ortiz Design" <samortiz.design@gmail.com>', sender: 'samortiz.design@gmail.com' });
      expect(pointsFor(plain, /free-mail address at gmail.com: mail relayed for it cannot pass DMARC/)).toBe(5);
      expect(pointsFor(plain, /presents itself/)).toBe(0);
      const posing = await score({ from: '"Talent Acquisition - Meridian Logistics Ltd" <meridian.hr@gmail.com>', sender: 'meridian.hr@gmail.com' });
      expect(pointsFor(posing, /presents itself as an organization or executive \("Talent Acquisition"/)).toBe(25);
      expect(pointsFor(await score({ from: '"Robert Hale - Director" <r.hale@outlook.com>', sender: 'r.hale@outlook.com' }), /presents itself.*"Director"/)).toBe(25);
    });

    it('flags a From name claiming a brand from another domain, and a From domain imitating one', async () => {
      const spoof = await score({ from: '"PayPal" <service@paypal-billing-center.example>', sender: 'b@paypal-billing-center.example' });
      expect(pointsFor(spoof, /the From name claims PayPal but the address is at paypal-billing-center.example/)).toBe(35);
      expect(pointsFor(spoof, /the From domain paypal-billing-center.example imitates PayPal/)).toBe(35);
      expect(pointsFor(await score({ from: '"Geek Squad" <renewals@hotmail.com>', sender: 'renewals@hotmail.com' }), /claims Geek Squad/)).toBe(35);
      const real = await score({ from: '"PayPal" <service@mail.paypal.com>', sender: 'bounce@mail.paypal.com' });
      expect(real.score).toBe(0);
      expect((await score({ from: '"Apple Valley Farms" <hello@acme.example>' })).score).toBe(0);
    });

    it('flags a From domain that misspells the name it shows', async () => {
      const vendor = await score({ from: '"Pixelworks Studio" <billing@pixelwork5-studio.example>', sender: 'b@pixelwork5-studio.example' });
      expect(pointsFor(vendor, /pixelwork5-studio.example is a look-alike of the name it shows \("Pixelworks"\)/)).toBe(50);
      const typo = await score({ from: '"Northwind Outfitters Accounts" <a@northwind-outfiters.example>', sender: 'a@northwind-outfiters.example' });
      expect(pointsFor(typo, /look-alike of the name it shows \("Northwind Outfitters"\)/)).toBe(50);
      for (const from of ['"Bücherstube" <shop@buecherstube.example>', '"Harbour Coffee" <hi@harborcoffee.example>', '"Oak & Thread" <gifts@oakandthread.example>']) {
        const domain = from.slice(from.indexOf('@') + 1, -1);
        expect(pointsFor(await score({ from, sender: `b@${domain}` }), /look-alike/)).toBe(0);
      }
    });

    it('flags a Return-Path not aligned with From unless an aligned DKIM signature covers it', async () => {
      expect(pointsFor(await score({ sender: 'bounce-123@esp-mailer.example' }), /Return-Path domain esp-mailer.example/)).toBe(5);
      const signed: Array<[string, string]> = [...UNSUBSCRIBE, ['DKIM-Signature', 'v=1; a=rsa-sha256; d=mail.acme.example; s=s1; b=xyz']];
      expect((await score({ sender: 'bounce-123@esp-mailer.example', headers: signed })).score).toBe(0);
    });

    it('flags a DKIM signature for another domain, and (when expected) a missing one', async () => {
      const foreign: Array<[string, string]> = [...UNSUBSCRIBE, ['DKIM-Signature', 'v=1; d=esp-mailer.example; s=s1; b=xyz']];
      expect(pointsFor(await score({ headers: foreign }), /DKIM signs for d=esp-mailer.example/)).toBe(5);
      const strict = contentStage({ expectDkimSignature: true });
      expect(pointsFor(await runStage(strict, mail(clean)), /no DKIM-Signature/)).toBe(15);
    });

    it('aligns subdomains of multi-label public suffixes', async () => {
      const outcome = await score({ from: 'news@mail.shop.co.uk', sender: 'b@bounce.shop.co.uk' });
      expect(outcome.score).toBe(0);
      expect(pointsFor(await score({ from: 'news@shop.co.uk', sender: 'b@other.co.uk' }), /Return-Path/)).toBe(5);
    });
  });
});

describe('content stage: the tenant\'s verified sending domains', () => {
  const verified = contentStage({ sendingDomains: { acme: ['acme.example'] } });
  it('flags a From on a domain the tenant has not verified, and nothing for a subdomain of a verified one', async () => {
    const forged = mail({ from: '"PayPal" <service@paypal.com>', sender: 'b@acme.example', headers: UNSUBSCRIBE });
    expect(pointsFor(await runStage(verified, forged), /paypal.com, a domain the tenant has not verified/)).toBe(60);
    expect(pointsFor(await runStage(verified, mail({ from: 'news@mail.acme.example', sender: 'b@acme.example', headers: UNSUBSCRIBE })), /not verified/)).toBe(0);
    expect(pointsFor(await runStage(verified, forged, context('other')), /not verified/)).toBe(0); // no list for this tenant
  });

  it('gives a site name in the display name a little, an address or a brand\'s domain more', async () => {
    expect(pointsFor(await runStage(contentStage(), mail({ from: '"News.example" <news@mailer.example>', sender: 'b@mailer.example', headers: UNSUBSCRIBE })), /shows the site/)).toBe(3);
  });
});
