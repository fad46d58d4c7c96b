import { describe, expect, it } from 'vitest';
import { parseDuration, formatDuration } from './duration.js';
import { parseRateSpec, parseLimitSpec } from './rate.js';

describe('parseDuration', () => {
  it.each([
    ['20 minutes', 20 * 60_000],
    ['1h 30m', 90 * 60_000],
    ['5s', 5000],
    ['1m', 60_000],
    ['7 days', 7 * 86_400_000],
    ['8 mins', 8 * 60_000],
    ['12 hours', 12 * 3_600_000],
    ['250ms', 250],
    ['60', 60_000],
    [90, 90_000],
    ['1.5h', 5_400_000],
  ])('%s', (input, ms) => expect(parseDuration(input)).toBe(ms));

  it.each(['', 'soon', '5 fortnights', '5s later', '-3s'])('rejects %j naming the input', (input) => {
    expect(() => parseDuration(input)).toThrow(expect.objectContaining({ code: 'E_DURATION', message: expect.stringContaining(JSON.stringify(input)) }));
  });

  it('formats', () => expect(formatDuration(5_400_000)).toBe('1h 30m'));
});

describe('parseRateSpec', () => {
  it.each([
    ['120/min', 120, 60_000, 120, false],
    ['1_000/h,max_burst=50', 1000, 3_600_000, 50, false],
    ['1,000/hr', 1000, 3_600_000, 1000, false],
    ['local:6/5m', 6, 300_000, 6, true],
    ['6/m,max_burst=1', 6, 60_000, 1, false],
    ['100/s', 100, 1000, 100, false],
    ['2/day', 2, 86_400_000, 2, false],
    ['10/30min', 10, 1_800_000, 10, false],
  ])('%s', (spec, limit, periodMs, maxBurst, local) => {
    expect(parseRateSpec(spec)).toMatchObject({ limit, periodMs, maxBurst, local });
  });

  it.each(['100', '0/s', '10/fortnight', 'ten/s', '10/s,burst=3', '10/s,max_burst=0'])('rejects %j', (spec) => {
    expect(() => parseRateSpec(spec)).toThrow(expect.objectContaining({ code: 'E_RATE', message: expect.stringContaining(JSON.stringify(spec)) }));
  });

  it('canonical text differs when the spec changes', () => {
    expect(parseRateSpec('100/min').text).not.toBe(parseRateSpec('100/min,max_burst=1').text);
    expect(parseRateSpec('100/min').text).toBe(parseRateSpec('100/minute').text);
  });

  it('limits', () => {
    expect(parseLimitSpec(32)).toEqual({ limit: 32, local: false });
    expect(parseLimitSpec('local:20')).toEqual({ limit: 20, local: true });
    expect(parseLimitSpec('1,000')).toEqual({ limit: 1000, local: false });
    expect(() => parseLimitSpec('lots')).toThrow(/lots/);
  });
});
