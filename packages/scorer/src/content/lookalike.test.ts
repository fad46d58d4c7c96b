import { describe, expect, it } from 'vitest';
import { confusable, domainLabel, imitates, skeleton } from './lookalike.js';

describe('look-alike names', () => {
  it('folds case, punctuation, homoglyphs and German transliterations', () => {
    expect(skeleton('PayPa1')).toBe('paypal');
    expect(skeleton('rnicr0soft')).toBe('microsoft');
    expect(skeleton('Oak & Thread')).toBe('oakthread');
    expect(confusable('buecherstube', 'Bücherstube')).toBe(false);
  });

  it.each([
    ['paypa1', 'paypal'], ['rnicrosoft', 'microsoft'], ['netfllix', 'netflix'], ['northwindoutfiters', 'northwindoutfitters'],
    ['pixelwork5', 'pixelworks'], ['tallbyook', 'tallybook'],
  ])('%s reads as %s', (candidate, name) => {
    expect(confusable(candidate, name)).toBe(true);
  });

  it.each([
    ['finance', 'binance'], ['cloud', 'icloud'], ['harbourcoffee', 'harborcoffee'], ['jonsmith', 'johnsmith'], ['paypal', 'paypal'],
    ['acme', 'acne'], ['brightloom', 'brightlooms-and-more'],
  ])('%s does not read as %s', (candidate, name) => {
    expect(confusable(candidate, name)).toBe(false);
  });

  it('takes the label of the registrable domain', () => {
    expect(domainLabel('mail.acme-corp.co.uk')).toBe('acme-corp');
    expect(domainLabel('news.brightloom.example')).toBe('brightloom');
  });

  it('finds a domain imitating another by added words or a look-alike label', () => {
    expect(imitates('brightloom-group.example', 'brightloom.example')).toBe(true);
    expect(imitates('mail.tallybookfinance.example', 'tallybook.example')).toBe(true);
    expect(imitates('tallyb00k.example', 'tallybook.example')).toBe(true);
  });

  it('does not count the same organization, another suffix, short labels or unrelated names', () => {
    expect(imitates('news.brightloom.example', 'brightloom.example')).toBe(false);
    expect(imitates('brightloom.com', 'brightloom.example')).toBe(false);
    expect(imitates('acme-group.example', 'acme.example')).toBe(false);
    expect(imitates('harborcoffee.example', 'tallybook.example')).toBe(false);
  });
});
