import { ConfigError } from '../errors.js';
import { durationOption } from './duration.js';
import { parseLimitSpec, parseRateSpec, type LimitSpec, type RateSpec } from './rate.js';

/**
 * Field readers for config objects returned by policy hooks. Each reader validates one key and
 * throws a ConfigError naming `<prefix>.<key>` and the bad value; the resolvers in this folder are
 * built from them so every config shape reports errors the same way.
 */
export type Duration = string | number;
export type ConfigInput = Readonly<Record<string, unknown>>;

export class FieldReader {
  constructor(
    private readonly input: ConfigInput,
    private readonly prefix: string,
  ) {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      throw new ConfigError(prefix, input, 'must be an object');
    }
  }

  key(name: string): string {
    return `${this.prefix}.${name}`;
  }

  has(name: string): boolean {
    return this.input[name] !== undefined && this.input[name] !== null;
  }

  raw(name: string): unknown {
    return this.input[name];
  }

  duration(name: string, fallback: Duration): number {
    return durationOption(this.key(name), this.durationInput(name) ?? fallback);
  }

  optDuration(name: string): number | undefined {
    const v = this.durationInput(name);
    return v === undefined ? undefined : durationOption(this.key(name), v);
  }

  int(name: string, fallback: number, min = 0): number {
    const v = this.input[name] ?? fallback;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
      throw new ConfigError(this.key(name), v, `must be an integer >= ${min}`);
    }
    return v;
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.input[name] ?? fallback;
    if (typeof v !== 'boolean') throw new ConfigError(this.key(name), v, 'must be true or false');
    return v;
  }

  string(name: string): string | undefined {
    const v = this.input[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw new ConfigError(this.key(name), v, 'must be a string');
    return v;
  }

  requiredString(name: string): string {
    const v = this.string(name);
    if (v === undefined || v === '') throw new ConfigError(this.key(name), v, 'is required');
    return v;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.input[name] ?? fallback;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      throw new ConfigError(this.key(name), v, `must be one of ${allowed.join(', ')}`);
    }
    return v as T;
  }

  rate(name: string): RateSpec | undefined {
    const v = this.input[name];
    if (v === undefined || v === null) return undefined;
    return wrap(this.key(name), v, () => parseRateSpec(v as string));
  }

  limit(name: string, fallback: number): LimitSpec {
    const v = this.input[name] ?? fallback;
    return wrap(this.key(name), v, () => parseLimitSpec(v as number | string));
  }

  rateMap(name: string): Record<string, RateSpec> {
    return this.map(name, (key, v) => wrap(key, v, () => parseRateSpec(v as string)));
  }

  limitMap(name: string): Record<string, LimitSpec> {
    return this.map(name, (key, v) => wrap(key, v, () => parseLimitSpec(v as number | string)));
  }

  stringList(name: string, fallback: readonly string[]): string[] {
    const v = this.input[name] ?? fallback;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      throw new ConfigError(this.key(name), v, 'must be a list of strings');
    }
    return [...(v as string[])];
  }

  /** Rejects keys that are neither known nor accepted-for-compatibility. */
  rejectUnknown(known: ReadonlySet<string>): void {
    for (const k of Object.keys(this.input)) {
      if (!known.has(k)) throw new ConfigError(this.key(k), this.input[k], 'is not a known option');
    }
  }

  private durationInput(name: string): Duration | undefined {
    const v = this.input[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' && typeof v !== 'number') {
      throw new ConfigError(this.key(name), v, 'must be a duration like "20 minutes" or a number of seconds');
    }
    return v;
  }

  private map<T>(name: string, parse: (key: string, value: unknown) => T): Record<string, T> {
    const v = this.input[name];
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(this.key(name), v, 'must be a table of name = value');
    const out: Record<string, T> = {};
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) out[k] = parse(`${this.key(name)}.${k}`, item);
    return out;
  }
}

function wrap<T>(key: string, value: unknown, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new ConfigError(key, value, (error as Error).message, { cause: error });
  }
}
