import { MtaKitError } from '../errors.js';

/**
 * KumoMTA's throttle spec: `[local:]<limit>/<N?><period>[,max_burst=<B>]`, e.g. `"120/min"`,
 * `"1_000/h,max_burst=50"`, `"local:6/5m"`. The limit may use `_` or `,` as digit separators.
 */
export interface RateSpec {
  /** Units admitted per period. */
  readonly limit: number;
  /** Length of the period in milliseconds. */
  readonly periodMs: number;
  /** How many units may be admitted at once; defaults to `limit`. */
  readonly maxBurst: number;
  /** `local:` prefix: never share this throttle through a cluster store. */
  readonly local: boolean;
  /** Canonical text of the spec (used in throttle keys, so a changed spec starts a fresh bucket). */
  readonly text: string;
}

const PERIOD_SECONDS: Record<string, number> = {
  s: 1, sec: 1, second: 1, secs: 1, seconds: 1,
  m: 60, min: 60, minute: 60, mins: 60, minutes: 60,
  h: 3600, hr: 3600, hour: 3600, hrs: 3600, hours: 3600,
  d: 86400, day: 86400, days: 86400,
};

const DIGITS = /^\d[\d_,]*$/;

export function parseRateSpec(input: string): RateSpec {
  if (typeof input !== 'string') throw badRate(input, 'must be a string like "100/min"');
  let text = input.trim();
  let local = false;
  if (text.startsWith('local:')) {
    local = true;
    text = text.slice('local:'.length);
  }
  // The limit itself may contain commas ("1,000/hr"), so options start at ",max_burst=".
  const optAt = text.search(/,\s*max_burst\s*=/);
  const main = optAt === -1 ? text : text.slice(0, optAt);
  const options = optAt === -1 ? '' : text.slice(optAt + 1);
  const slash = main.indexOf('/');
  if (slash === -1) throw badRate(input, 'expected "<limit>/<period>"');
  const limit = parseCount(main.slice(0, slash).trim(), input, 'limit');
  const periodMs = parsePeriod(main.slice(slash + 1).trim(), input);
  let maxBurst = limit;
  if (options) {
    const m = /^max_burst\s*=\s*(\S+)$/.exec(options.trim());
    if (!m) throw badRate(input, `unknown option "${options.trim()}"`);
    maxBurst = parseCount(m[1] as string, input, 'max_burst');
  }
  const canon = `${local ? 'local:' : ''}${limit}/${periodMs / 1000}s${maxBurst !== limit ? `,max_burst=${maxBurst}` : ''}`;
  return { limit, periodMs, maxBurst, local, text: canon };
}

function parseCount(raw: string, input: string, what: string): number {
  if (!DIGITS.test(raw)) throw badRate(input, `${what} "${raw}" is not a positive integer`);
  const n = Number(raw.replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(n) || n <= 0) throw badRate(input, `${what} must be greater than zero`);
  return n;
}

function parsePeriod(raw: string, input: string): number {
  const m = /^(\d*)\s*([a-zA-Z]+)$/.exec(raw);
  if (!m) throw badRate(input, `period "${raw}" is not like "min", "30min" or "h"`);
  const multiplier = m[1] ? Number(m[1]) : 1;
  const unit = PERIOD_SECONDS[(m[2] as string).toLowerCase()];
  if (unit === undefined) throw badRate(input, `unknown period unit "${m[2]}"`);
  if (multiplier <= 0) throw badRate(input, 'period multiplier must be greater than zero');
  return multiplier * unit * 1000;
}

/** A concurrency limit: an integer, or a string `"32"`, `"1,000"`, `"local:20"`. */
export interface LimitSpec {
  readonly limit: number;
  readonly local: boolean;
}

export function parseLimitSpec(input: number | string): LimitSpec {
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input) || input < 0) throw badRate(input, 'a limit must be a non-negative integer');
    return { limit: input, local: false };
  }
  let text = String(input).trim();
  let local = false;
  if (text.startsWith('local:')) {
    local = true;
    text = text.slice('local:'.length).trim();
  }
  if (!DIGITS.test(text)) throw badRate(input, 'a limit must be an integer like 32, "1,000" or "local:20"');
  return { limit: Number(text.replace(/[_,]/g, '')), local };
}

function badRate(input: unknown, problem: string): MtaKitError {
  return new MtaKitError('E_RATE', `invalid rate ${JSON.stringify(input)}: ${problem}`);
}
