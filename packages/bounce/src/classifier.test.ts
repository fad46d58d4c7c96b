import { describe, expect, it } from 'vitest';
import { ConfigError } from '@mtakit/core';
import { BounceClassifier } from './classifier.js';
import { parseRuleFile } from './rules.js';
import replies from './samples/replies.json' with { type: 'json' };

const toml = (text: string, source = 'test.toml') => parseRuleFile(text, { source });

describe('BounceClassifier rule precedence', () => {
  const first = toml(`[rules]\nAlpha = ["woof", "moo"]\nBeta = ["woof", "moo", "quack"]\n`, 'first.toml');
  const second = toml(`[rules]\nGamma = ["quack", "oink"]\n`, 'second.toml');
  const c = new BounceClassifier({ rules: [first, second], builtin: false, fallback: false });

  it('lets the earlier entry win inside a file, across categories', () => {
    expect(c.classifyLine('woof').category).toBe('Alpha');
    expect(c.classifyLine('moo').category).toBe('Alpha');
    expect(c.classifyLine('quack').category).toBe('Beta');
  });

  it('lets the earlier file win across files and reports where the rule lives', () => {
    expect(c.classifyLine('oink')).toEqual({
      category: 'Gamma',
      hard: false,
      rule: { kind: 'rule', source: 'second.toml', ref: 'rules.Gamma[1]', index: 6, pattern: 'oink' },
    });
  });

  it('returns Uncategorized with no rule when nothing matches and fallbacks are off', () => {
    expect(c.classifyLine('550 5.1.1 nothing here')).toEqual({ category: 'Uncategorized', hard: true, rule: null });
  });

  it('puts user rule files before the built-in rules', () => {
    const custom = toml(`[rules]\nMyUnknownUser = ["account that you tried to reach does not exist"]\n`);
    const withBuiltin = new BounceClassifier({ rules: [custom] });
    const line = '550 5.1.1 The email account that you tried to reach does not exist.';
    expect(withBuiltin.classifyLine(line).category).toBe('MyUnknownUser');
    expect(new BounceClassifier().classifyLine(line).category).toBe('InvalidRecipient');
  });
});

describe('BounceClassifier fallbacks', () => {
  const c = new BounceClassifier({ builtin: false });

  it('uses the enhanced status detail, then its subject, then the reply code', () => {
    expect(c.classifyLine('550 5.1.1 gone')).toMatchObject({ category: 'InvalidRecipient', hard: true, rule: { kind: 'fallback', basis: 'status-detail', code: '5.1.1' } });
    expect(c.classifyLine('451 4.4.99 odd')).toMatchObject({ category: 'RoutingErrors', hard: false, rule: { basis: 'status-subject', code: '4.4.99' } });
    expect(c.classifyLine('450 not now')).toMatchObject({ category: 'TransientFailure', hard: false, rule: { basis: 'reply-code', code: '450' } });
  });

  it('leaves a bare 5xx and text without a code uncategorized', () => {
    expect(c.classifyLine('550 no reason given')).toEqual({ category: 'Uncategorized', hard: true, rule: null });
    expect(c.classifyLine('something odd')).toEqual({ category: 'Uncategorized', hard: false, rule: null });
  });
});

describe('BounceClassifier.classify', () => {
  const c = new BounceClassifier();

  it('classifies an SmtpResponse through its one-line form, multi-line content included', () => {
    const result = c.classify({
      code: 550,
      enhanced_code: { class: 5, subject: 1, detail: 1 },
      content: 'The email account that you tried to reach does\nnot exist. Please try double-checking.',
      command: 'RCPT TO:<nobody@gmail.com>',
    });
    expect(result).toMatchObject({ category: 'InvalidRecipient', hard: true, rule: { source: 'builtin', ref: 'google.no-such-user' } });
  });

  it('caches frozen results per line', () => {
    const a = c.classifyLine('550 5.1.1 <x@example.org>... User unknown');
    const b = c.classifyLine('550 5.1.1 <x@example.org>... User unknown');
    expect(b).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(() => {
      (a as { category: string }).category = 'Other';
    }).toThrow(TypeError);
  });

  it('gives the same answers with the cache disabled', () => {
    const uncached = new BounceClassifier({ cacheSize: 0 });
    for (const { reply } of replies) expect(uncached.classifyLine(reply)).toEqual(c.classifyLine(reply));
  });
});

describe('match strategies', () => {
  it('indexed and sequential agree on every sample reply and on mutated lines', () => {
    const files = [
      toml(`[rules]\nBackref = ["^(\\\\d)\\\\1\\\\1 "]\nNamed = ["(?P<word>zebra)"]\nCaseless = ["(?i)^5\\\\d\\\\d .*giraffe"]\n`),
    ];
    const indexed = new BounceClassifier({ rules: files, cacheSize: 0 });
    const sequential = new BounceClassifier({ rules: files, cacheSize: 0, strategy: 'sequential' });
    const lines = replies.flatMap(({ reply }) => [reply, reply.slice(0, 40), reply.slice(4), reply.toUpperCase()]);
    lines.push('555 odd', '550 a zebra', '552 the GIRAFFE', '421 giraffe');
    for (const line of lines) expect(indexed.classifyLine(line), line).toEqual(sequential.classifyLine(line));
    expect(indexed.classifyLine('555 odd').category).toBe('Backref');
    expect(indexed.classifyLine('550 a zebra').category).toBe('Named');
    expect(indexed.classifyLine('552 the GIRAFFE').category).toBe('Caseless');
  });
});

describe('parseRuleFile', () => {
  it('reads JSON in the same shape and keeps its order', () => {
    const set = parseRuleFile('{"rules": {"Zed": ["^550 "], "Alpha": ["^5"]}}', { source: 'rules.json' });
    expect(set.rules.map((r) => `${r.category}:${r.ref}`)).toEqual(['Zed:rules.Zed[0]', 'Alpha:rules.Alpha[0]']);
  });

  it('translates Rust-only syntax', () => {
    const set = toml(`[rules]\nX = ["(?i)\\\\Auser unknown\\\\z", "(?P<n>a)"]\n`);
    expect(set.rules.map((r) => r.js)).toEqual([
      { source: '^user unknown$', flags: 'i' },
      { source: '(?<n>a)', flags: '' },
    ]);
  });

  it.each([
    ['[rules]\nX = "not a list"\n', 'rules.X', 'expected a list'],
    ['[rules]\nX = [42]\n', 'rules.X[0]', 'expected a regex string'],
    ['[rules]\nX = ["(unclosed"]\n', 'rules.X[0]', 'in bad.toml'],
    ['[rules]\nX = ["(?x) spaced"]\n', 'rules.X[0]', 'inline flag (?x) is not supported'],
    ['[other]\nX = []\n', 'rules', 'must have a "rules" table'],
    ['[rules\n', 'bounce.rule_file', 'not valid TOML'],
  ])('rejects %j naming the key', (text, key, problem) => {
    let error: unknown;
    try {
      parseRuleFile(text, { source: 'bad.toml', format: 'toml' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe(key);
    expect((error as ConfigError).message).toContain(problem);
  });
});
