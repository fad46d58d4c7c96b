import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES } from './builtin/index.js';
import { compileMatcher } from './matcher.js';
import { translatePattern } from './pattern.js';
import { prefilterFor } from './prefilter.js';
import replies from './samples/replies.json' with { type: 'json' };

const pf = (source: string, flags = 'i') => prefilterFor({ source, flags });

describe('prefilterFor', () => {
  it('finds whole words fixed on both sides', () => {
    expect(pf('account that you tried to reach does not exist')).toEqual({ words: ['tried'], substrings: null });
    expect(pf('\\bvirus\\b')).toEqual({ words: ['virus'], substrings: null });
    expect(pf('^550 ')).toEqual({ words: ['550'], substrings: null });
  });

  it('carries word boundaries into groups and unions alternatives', () => {
    expect(pf('\\b(?:RBL|DNSBL)\\b')?.words?.sort()).toEqual(['dnsbl', 'rbl']);
    expect(pf('\\bno such (?:user|mailbox)\\b|\\bunknown user\\b')?.words?.sort()).toEqual(['such', 'unknown']);
  });

  it('falls back to literal text, and to nothing for what it cannot prove', () => {
    expect(pf('Unrouteable address')).toEqual({ words: null, substrings: ['unrouteable address'] });
    expect(pf('[a-z]+\\d')).toEqual({ words: null, substrings: null });
    expect(pf('colou?r chart')).toEqual({ words: null, substrings: ['r chart'] });
    expect(pf('(?:optional words)?x')).toEqual({ words: null, substrings: null });
    expect(pf('\\bcafé\\b', 'iu')).toEqual({ words: null, substrings: null });
  });
});

describe('indexed matcher', () => {
  // A deterministic stream of lines mixing reply fragments, pattern words and noise.
  function* lines(count: number): Generator<string> {
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const vocabulary = [...new Set(replies.flatMap((r) => r.reply.split(/\s+/)))];
    for (const rule of BUILTIN_RULES.rules) vocabulary.push(...rule.pattern.replace(/\\[bsdw]|[()|?*+^$\\[\]{}]/g, ' ').split(/\s+/).filter(Boolean));
    const codes = ['550', '554', '421', '451', '452', '552', '553', '250'];
    for (let n = 0; n < count; n++) {
      const words = Array.from({ length: 3 + Math.floor(next() * 14) }, () => vocabulary[Math.floor(next() * vocabulary.length)]);
      const esc = next() < 0.7 ? ` ${next() < 0.5 ? 5 : 4}.${Math.floor(next() * 8)}.${Math.floor(next() * 12)}` : '';
      yield `${codes[Math.floor(next() * codes.length)]}${esc} ${words.join(next() < 0.8 ? ' ' : ', ')}`;
    }
  }

  it('gives exactly the sequential answer on random lines', () => {
    const patterns = BUILTIN_RULES.rules.map((r) => r.js);
    const indexed = compileMatcher(patterns, 'indexed');
    const sequential = compileMatcher(patterns, 'sequential');
    let matched = 0;
    for (const line of lines(4000)) {
      const expected = sequential.match(line);
      expect(indexed.match(line), line).toBe(expected);
      if (expected >= 0) matched++;
    }
    expect(matched).toBeGreaterThan(1000);
  });

  it('gives the sequential answer for Rust-dialect file patterns too', () => {
    const patterns = ['^(451|550) [45]\\.1\\.[1234] ', '(?i)^5\\d{2}.+User.+unknown$', '^552.+Mailbox full', '^\\d{3} [45]\\.7\\.(0|1|26) '].map(translatePattern);
    const indexed = compileMatcher(patterns);
    const sequential = compileMatcher(patterns, 'sequential');
    for (const line of ['550 5.1.1 x', '451 4.1.3 x', '554 the USER is UNKNOWN', '552 5.2.2 Mailbox full', '550 5.7.26 dmarc', '550 5.7.2 no']) {
      expect(indexed.match(line), line).toBe(sequential.match(line));
    }
  });
});
