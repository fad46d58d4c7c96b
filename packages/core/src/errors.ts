/**
 * Typed errors with stable codes. Every error mtakit throws is an `MtaKitError`; callers switch on
 * `code`, never on message text. Boundaries convert foreign errors with `toMtaKitError`.
 */

export type MtaKitErrorCode =
  | 'E_CONFIG' // a config value is missing or invalid (see ConfigError.key / .value)
  | 'E_DURATION' // a duration string could not be parsed
  | 'E_RATE' // a rate spec could not be parsed
  | 'E_ADDRESS' // an email address is malformed
  | 'E_MESSAGE' // message data is malformed (headers, encoding)
  | 'E_SPOOL' // the spool failed to store, load or remove
  | 'E_SPOOL_CORRUPT' // a spool record failed its checksum
  | 'E_LOG_WRITE' // a log record could not be written (disk full, out of file descriptors, …)
  | 'E_SPOOL_FULL' // the spool's disk is full (ENOSPC, EDQUOT; see exhaustedResource): ingress answers 452 4.3.1, retry later
  | 'E_POLICY' // a policy hook threw or returned something invalid
  | 'E_POLICY_TIMEOUT' // a policy hook exceeded its execution budget
  | 'E_DNS' // DNS resolution failed (transient)
  | 'E_DNS_NXDOMAIN' // the domain does not exist
  | 'E_NULL_MX' // the domain publishes a null MX (RFC 7505)
  | 'E_SMTP_REPLY' // a protocol-level rejection with basic + enhanced status code
  | 'E_CONNECTION' // a network connection failed
  | 'E_TLS' // TLS negotiation failed
  | 'E_NOT_FOUND' // a message/queue/item was not found
  | 'E_CLOSED' // the component has been closed
  | 'E_EVENTS' // the outbound event queue could not store an event
  | 'E_SINK' // an event sink (webhook, broker) refused or failed a delivery
  | 'E_TEMPLATE' // an injection template does not parse (HTTP 422) or fails to expand for a recipient
  | 'E_UNSUPPORTED' // a KumoMTA feature mtakit refuses, naming what to use instead
  | 'E_INTERNAL'; // a bug: something that should not happen

export interface MtaKitErrorOptions {
  cause?: unknown;
}

/**
 * Every mtakit error carries, under this process-wide symbol, the brands of its class chain.
 * A policy loaded through another module loader (tsx compiling a `.ts` policy, a bundled copy)
 * gets its own copy of this module, whose classes are different objects: `instanceof` then asks
 * the brand as well, so a `reject(550, …)` from any copy is still the 550 it says.
 */
const ERROR_BRANDS = Symbol.for('mtakit.error.brands');

interface BrandedClass {
  readonly brand?: string;
}

function brandsOf(target: object): readonly string[] {
  const brands: string[] = [];
  for (let c: object | null = target; c !== null && c !== Function.prototype; c = Object.getPrototypeOf(c) as object | null) {
    if (Object.hasOwn(c, 'brand')) brands.push((c as BrandedClass).brand as string);
  }
  return brands;
}

/** True when `value` is an error of the class branded `brand`, from any copy of this module. */
export function hasErrorBrand(value: unknown, brand: string): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const brands = (value as { [ERROR_BRANDS]?: unknown })[ERROR_BRANDS];
  return Array.isArray(brands) && brands.includes(brand);
}

export class MtaKitError extends Error {
  /** Stable across module copies; a subclass that callers test with `instanceof` declares its own. */
  static readonly brand: string = 'mtakit.MtaKitError';

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    return Object.hasOwn(this, 'brand') && hasErrorBrand(value, (this as BrandedClass).brand as string);
  }

  readonly code: MtaKitErrorCode;

  constructor(code: MtaKitErrorCode, message: string, options: MtaKitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MtaKitError';
    this.code = code;
    Object.defineProperty(this, ERROR_BRANDS, { value: brandsOf(new.target) });
  }
}

/** A config value is invalid. `key` is the dotted path of the offending key. */
export class ConfigError extends MtaKitError {
  static override readonly brand: string = 'mtakit.ConfigError';
  readonly key: string;
  readonly value: unknown;

  constructor(key: string, value: unknown, problem: string, options: MtaKitErrorOptions = {}) {
    super('E_CONFIG', `invalid config ${key}=${describeValue(value)}: ${problem}`, options);
    this.name = 'ConfigError';
    this.key = key;
    this.value = value;
  }
}

/** An enhanced status code (RFC 3463) such as 5.1.1. */
export interface EnhancedStatusCode {
  class: number;
  subject: number;
  detail: number;
}

/**
 * A protocol rejection: the basic SMTP code, the enhanced status code and the text. Thrown by
 * policy hooks (like KumoMTA's `kumo.reject`) and rendered by the ingress in one place.
 */
export class SmtpReplyError extends MtaKitError {
  static override readonly brand: string = 'mtakit.SmtpReplyError';
  readonly basic: number;
  readonly enhanced: EnhancedStatusCode | undefined;
  readonly text: string;

  constructor(basic: number, enhanced: string | EnhancedStatusCode | undefined, text: string, options: MtaKitErrorOptions = {}) {
    const esc = typeof enhanced === 'string' ? parseEnhancedCode(enhanced) : enhanced;
    super('E_SMTP_REPLY', `${basic}${esc ? ` ${formatEnhancedCode(esc)}` : ''} ${text}`, options);
    this.name = 'SmtpReplyError';
    if (!Number.isInteger(basic) || basic < 200 || basic > 599) {
      throw new MtaKitError('E_INTERNAL', `SMTP reply code out of range: ${basic}`);
    }
    this.basic = basic;
    this.enhanced = esc;
    this.text = text;
  }

  get permanent(): boolean {
    return this.basic >= 500;
  }
}

/** Rejects the current operation with an SMTP reply; the equivalent of KumoMTA's `kumo.reject`. */
export function reject(basic: number, text: string, enhanced?: string): never {
  throw new SmtpReplyError(basic, enhanced ?? defaultEnhancedFor(basic), text);
}

function defaultEnhancedFor(basic: number): string | undefined {
  if (basic >= 500) return '5.0.0';
  if (basic >= 400) return '4.0.0';
  return undefined;
}

export function parseEnhancedCode(text: string): EnhancedStatusCode | undefined {
  const m = /^([245])\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  return { class: Number(m[1]), subject: Number(m[2]), detail: Number(m[3]) };
}

export function formatEnhancedCode(code: EnhancedStatusCode): string {
  return `${code.class}.${code.subject}.${code.detail}`;
}

/** A resource whose exhaustion is a temporary refusal, never a crash (see `exhaustedResource`). */
export type ExhaustedResource = 'storage' | 'descriptors';

const STORAGE_ERRNOS = new Set(['ENOSPC', 'EDQUOT']);
const DESCRIPTOR_ERRNOS = new Set(['EMFILE', 'ENFILE']);

/**
 * Which resource ran out, if that is why `error` happened: disk space or quota (ENOSPC, EDQUOT)
 * or file descriptors (EMFILE, ENFILE), found anywhere in its `cause` chain.
 */
export function exhaustedResource(error: unknown): ExhaustedResource | undefined {
  for (let e: unknown = error, depth = 0; typeof e === 'object' && e !== null && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    if (STORAGE_ERRNOS.has(code) || code === 'E_SPOOL_FULL') return 'storage';
    if (DESCRIPTOR_ERRNOS.has(code)) return 'descriptors';
  }
  return undefined;
}

export function toMtaKitError(error: unknown, fallback: MtaKitErrorCode = 'E_INTERNAL'): MtaKitError {
  if (error instanceof MtaKitError) return error;
  if (error instanceof Error) return new MtaKitError(fallback, error.message, { cause: error });
  return new MtaKitError(fallback, String(error));
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return '(missing)';
  try {
    const s = JSON.stringify(value);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(value);
  }
}
