import { describe, expect, it, vi } from 'vitest';
import { CachedDomainLookup } from '../domain-lookup.js';
import { Evaluation } from '../evaluation.js';
import { context, mail, pointsFor, runStage, UNSUBSCRIBE } from '../test-support.js';
import { linksStage } from './links.js';

const stage = linksStage();
const html = (body: string) => mail({ subject: 'Update', text: 'See the links in the HTML version of this message.', html: body, headers: UNSUBSCRIBE });
const anchor = (href: string, text = 'Read more') => `<a href="${href}">${text}</a>`;

describe('links stage', () => {
  it('gives ordinary links nothing, including anchor text that names the link’s own domain', async () => {
    const outcome = await runStage(stage, html(
      anchor('https://www.acme.example/blog/march') + anchor('https://acme.example/pricing', 'www.acme.example/pricing') +
      anchor('mailto:help@acme.example', 'Email us') + anchor('#top', 'Top') + '<img src="cid:logo">',
    ));
    expect(outcome.reasons).toEqual([]);
  });

  it('flags many links, counting each URL once', async () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => anchor(`https://acme.example/p/${i}`)).join('');
    expect((await runStage(stage, html(many(75) + many(75)))).score).toBe(0);
    expect(pointsFor(await runStage(stage, html(many(80))), /80 links/)).toBe(3);
    expect(pointsFor(await runStage(stage, html(many(160))), /160 links/)).toBe(5);
  });

  it('flags URL shorteners and links to IP addresses', async () => {
    const outcome = await runStage(stage, html(anchor('https://bit.ly/3xYz') + anchor('http://tinyurl.com/abc') + anchor('http://203.0.113.7/login') + anchor('http://[2001:db8::1]/x')));
    expect(pointsFor(outcome, /URL shorteners: bit.ly, tinyurl.com/)).toBe(35);
    expect(pointsFor(outcome, /links to IP addresses: 203.0.113.7, \[2001:db8::1\]/)).toBe(50);
  });

  it('catches IP hosts written as a number and URLs in the plain-text part', async () => {
    const m = mail({ subject: 'x', text: 'Log in at http://3405803783/account now', headers: UNSUBSCRIBE });
    expect(pointsFor(await runStage(stage, m), /203.0.113.7/)).toBe(40);
  });

  it('flags anchor text that names another domain, and is lenient with the sender’s own domain', async () => {
    const phish = await runStage(stage, html(anchor('https://secure-login.example/pp', 'https://www.paypal.com/signin')));
    expect(pointsFor(phish, /shows a brand's domain.*paypal.com/)).toBe(50);
    const page = await runStage(stage, html(anchor('https://secure-login.example/pp', 'https://www.harborcoffee.example/account')));
    expect(pointsFor(page, /address of a page on another host/)).toBe(45);
    const site = await runStage(stage, html(anchor('https://www.cnn.example/money', 'CNNmoney.example')));
    expect(pointsFor(site, /names another site/)).toBe(15);
    const tracked = await runStage(stage, html(anchor('https://click.esp.example/t/abc', 'www.acme.example/sale')));
    expect(pointsFor(tracked, /third-party host/)).toBe(10);
    const trusted = linksStage({ trustedDomains: ['esp.example'] });
    expect((await runStage(trusted, html(anchor('https://click.esp.example/t/abc', 'www.acme.example/sale')))).score).toBe(0);
  });

  it('flags user@host URLs, punycode hosts, abused TLDs and script URLs', async () => {
    const outcome = await runStage(stage, html(
      anchor('https://www.paypal.com@evil.example/x') + anchor('https://xn--pypal-4ve.com/') + anchor('https://deals.top/') + anchor('javascript:alert(1)'),
    ));
    expect(pointsFor(outcome, /user@ part/)).toBe(50);
    expect(pointsFor(outcome, /punycode/)).toBe(30);
    expect(pointsFor(outcome, /abused TLDs: deals.top/)).toBe(15);
    expect(pointsFor(outcome, /script or data URLs/)).toBe(10);
  });

  it('flags domains imitating a brand, not the brand\'s own domains or its CDNs', async () => {
    const outcome = await runStage(stage, html(anchor('https://paypal-secure-login.example/x') + anchor('https://rnicrosoft-365.example/') + anchor('https://www.paypal.com/signin')));
    expect(pointsFor(outcome, /domains imitating a brand: paypal-secure-login.example \(PayPal\), rnicrosoft-365.example \(Microsoft\)/)).toBe(50);
    const cdn = await runStage(stage, html(anchor('https://www.amazon.com/dp/1') + '<img src="https://s3.amazonaws.com/acme/logo.png">' + anchor('https://dl.dropboxusercontent.com/s/x')));
    expect(pointsFor(cdn, /imitating/)).toBe(0);
  });

  describe('blocklist', () => {
    it('looks each registrable domain up once, through the cache', async () => {
      const lookup = vi.fn(async (d: string) => (d === 'bad.example' ? 'listed on test URIBL' : undefined));
      const listed = linksStage({ blocklist: new CachedDomainLookup(lookup) });
      const m = html(anchor('https://a.bad.example/1') + anchor('https://b.bad.example/2') + anchor('https://acme.example/'));
      const first = await runStage(listed, m);
      expect(pointsFor(first, /blocklisted domains: bad.example \(listed on test URIBL\)/)).toBe(60);
      expect(lookup.mock.calls.map((c) => c[0]).sort()).toEqual(['acme.example', 'bad.example']);
      const second = listed.run(new Evaluation(m, context(), 0));
      expect(second).not.toBeInstanceOf(Promise); // answered from the cache, synchronously
      expect(lookup).toHaveBeenCalledTimes(2);
    });

    it('lets a failing lookup fail the stage (the pipeline applies the failure policy)', async () => {
      const broken = linksStage({ blocklist: new CachedDomainLookup(async () => Promise.reject(new Error('dns timeout'))) });
      await expect(runStage(broken, html(anchor('https://acme.example/')))).rejects.toThrow('dns timeout');
    });
  });
});

describe('links stage: sampling and sending domains', () => {
  it('judges a bounded sample of links in document order and counts all of them', async () => {
    const filler = Array.from({ length: 2500 }, (_, i) => anchor(`https://acme.example/p/${i}`)).join('');
    const late = await runStage(stage, html(filler + anchor('http://203.0.113.7/login')));
    expect(pointsFor(late, /2501 links/)).toBe(5);
    expect(pointsFor(late, /IP addresses/)).toBe(0); // beyond the sample
    const early = await runStage(stage, html(anchor('http://203.0.113.7/login') + filler));
    expect(pointsFor(early, /IP addresses/)).toBe(40);
  });

  it('counts brand-domain link text as click tracking only for a tenant verified for the brand', async () => {
    const m = mail({ from: '"PayPal" <service@paypal.com>', html: anchor('https://click.esp.example/t/1', 'www.paypal.com'), headers: UNSUBSCRIBE });
    expect(pointsFor(await runStage(stage, m), /shows a brand's domain/)).toBe(50);
    const verified = linksStage({ sendingDomains: { acme: ['paypal.com'] } });
    expect(pointsFor(await runStage(verified, m), /third-party host/)).toBe(10);
  });

  it('flags login-looking landing pages and brand names in other hosts', async () => {
    const o = await runStage(stage, html(anchor('https://www.paypal.com.account-check.example/webscr?cmd=_login')));
    expect(pointsFor(o, /login-looking pages/)).toBe(25);
    expect(pointsFor(o, /brand's name in another host's address.*PayPal/)).toBe(40);
  });
});
