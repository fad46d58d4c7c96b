import { ConfigError, MtaKitError } from '../errors.js';

/**
 * Human durations in KumoMTA's (humantime's) grammar: one or more `<number><unit>` terms,
 * optionally separated by spaces: `"20 minutes"`, `"1h 30m"`, `"5s"`, `"3 days"`. A bare number
 * (or a numeric string) is seconds, as in KumoMTA's config.
 */

const SECOND = 1000;
const UNIT_MS: Record<string, number> = {
  ns: 1e-6, nsec: 1e-6, nanos: 1e-6,
  us: 1e-3, usec: 1e-3, micros: 1e-3,
  ms: 1, msec: 1, millis: 1,
  s: SECOND, sec: SECOND, secs: SECOND, second: SECOND, seconds: SECOND,
  m: 60 * SECOND, min: 60 * SECOND, mins: 60 * SECOND, minute: 60 * SECOND, minutes: 60 * SECOND,
  h: 3600 * SECOND, hr: 3600 * SECOND, hrs: 3600 * SECOND, hour: 3600 * SECOND, hours: 3600 * SECOND,
  d: 86400 * SECOND, day: 86400 * SECOND, days: 86400 * SECOND,
  w: 7 * 86400 * SECOND, week: 7 * 86400 * SECOND, weeks: 7 * 86400 * SECOND,
  M: 2_630_016 * SECOND, month: 2_630_016 * SECOND, months: 2_630_016 * SECOND,
  y: 31_557_600 * SECOND, year: 31_557_600 * SECOND, years: 31_557_600 * SECOND,
};

const TERM = /\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*/y;

/** Parses a duration to milliseconds. Throws `MtaKitError('E_DURATION')` naming the input. */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw badDuration(input, 'must be a non-negative number of seconds');
    return input * SECOND;
  }
  const text = input.trim();
  if (text === '') throw badDuration(input, 'is empty');
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * SECOND;
  let total = 0;
  TERM.lastIndex = 0;
  while (TERM.lastIndex < text.length) {
    const at = TERM.lastIndex;
    const m = TERM.exec(text);
    if (!m) throw badDuration(input, `unexpected text at "${text.slice(at)}"`);
    const unit = m[2] as string;
    const scale = UNIT_MS[unit] ?? UNIT_MS[unit.toLowerCase()];
    if (scale === undefined) throw badDuration(input, `unknown unit "${unit}"`);
    total += Number(m[1]) * scale;
  }
  return total;
}

/** Like parseDuration, but reports a failure as a ConfigError naming the config key. */
export function durationOption(key: string, value: string | number): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new ConfigError(key, value, (error as Error).message, { cause: error });
  }
}

/** Formats milliseconds as a compact human duration, e.g. 5400000 → "1h 30m". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join(' ');
}

function badDuration(input: unknown, problem: string): MtaKitError {
  return new MtaKitError('E_DURATION', `invalid duration ${JSON.stringify(input)}: ${problem}`);
}
