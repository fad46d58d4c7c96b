import { registrableDomain } from '../content/address.js';
import { BrandMatcher } from '../content/brand-match.js';
import { BRANDS, type Brand } from '../lists/brands.js';
import { CREDENTIAL_ASKS } from '../lists/credentials.js';
import { FREEMAIL_DOMAINS } from '../lists/domains.js';
import { FRAUD_ASKS, FRAUD_PRESSURE, type FraudSignal } from '../lists/fraud.js';
import { Signals } from '../signals.js';
import type { ParsedContent } from '../content/parse.js';
import type { Stage, StageInput, StageOutcome } from '../types.js';

export interface FraudStageOptions {
  /** Default weight. Default 1 (fitted, bench/scorer-fit.ts). */
  weight?: number;
  /** What fraud asks for (payments, gift cards, bank changes, credentials…). Default: `FRAUD_ASKS`. */
  asks?: readonly FraudSignal[];
  /** Pressure around an ask (urgency, secrecy…), counted only with one. Default: `FRAUD_PRESSURE`. */
  pressure?: readonly FraudSignal[];
  /** What credential phishing asks (verify the account, log in, unlock, recovery phrase…). Default: `CREDENTIAL_ASKS`. */
  credentialAsks?: readonly FraudSignal[];
  /** Brands whose name next to a credential ask must come from their own domains. Default: `BRANDS`. */
  brands?: readonly Brand[];
}

interface Config {
  asks: readonly FraudSignal[];
  credentials: readonly FraudSignal[];
  pressure: readonly FraudSignal[];
  brands: BrandMatcher;
}

const ACTION = 'Do not send messages that ask for money, gift cards, bank changes or credentials by email; if this is a real request, say how the reader can verify it through a known channel.';

/**
 * Fraud dimension: what the message asks the reader to do with money or personal data — buy gift
 * cards and send the codes, pay to changed bank details, move money through their account, send
 * card details, claim an award, recover lost crypto, phone to cancel a charge — and the pressure
 * around the ask: urgency, secrecy, a sender who cannot be reached, threats, sums of millions, and
 * a request made from a free-mail address (how most business-email compromise arrives). Scams that
 * carry no link and no spam phrase still have to ask for something. Reads the subject and the
 * body; campaign-scope.
 */
export function fraudStage(options: FraudStageOptions = {}): Stage {
  const config: Config = {
    asks: options.asks ?? FRAUD_ASKS,
    credentials: options.credentialAsks ?? CREDENTIAL_ASKS,
    pressure: options.pressure ?? FRAUD_PRESSURE,
    brands: new BrandMatcher(options.brands ?? BRANDS),
  };
  return {
    name: 'fraud',
    scope: 'campaign',
    weight: options.weight ?? 1,
    run: (input) => scoreFraud(input, config),
  };
}

function scoreFraud(input: StageInput, config: Config): StageOutcome {
  const c = input.content();
  const text = `${c.subject ?? ''}\n${c.text}\n${c.htmlScan.text}`.replace(/[\u2018\u2019]/g, "'").replace(/\s+/g, ' ');
  const s = new Signals();
  const found = config.asks.filter((signal) => matches(signal, text));
  const credentials = config.credentials.filter((signal) => matches(signal, text));
  const forms = formAsks(c.htmlScan);
  if (found.length + credentials.length + forms.length === 0) return s.outcome();
  for (const ask of [...found, ...credentials, ...forms]) s.add(ask.points, ask.reason, ACTION);
  if (credentials.length > 0 || forms.length > 0) brandClaim(s, c, text, config.brands);
  const calm = 'Remove pressure (deadlines, secrecy) from payment requests.';
  for (const p of config.pressure) {
    if (matches(p, text)) s.add(p.points, `${p.reason} around the request`, calm);
  }
  const from = c.from[0]?.domain;
  if (from !== undefined && FREEMAIL_DOMAINS.has(registrableDomain(from))) {
    s.add(15, `the request comes from a free-mail address (${from})`, 'Make payment requests from your organization\'s own domain.');
  }
  return s.outcome();
}

/**
 * A form in the message that takes a password or card number. (A form alone is no sign: newsletters
 * carry search and survey forms.)
 */
function formAsks(scan: ParsedContent['htmlScan']): Array<{ points: number; reason: string }> {
  return scan.secretInputs > 0 ? [{ points: 65, reason: 'a form in the message asks for a password or card number' }] : [];
}

/**
 * A credential request in a brand's name from a domain that is not the brand's: the brand is
 * looked for in the subject and the start of the text, where phishing states who it claims to be.
 */
function brandClaim(s: Signals, c: ParsedContent, text: string, brands: BrandMatcher): void {
  const from = c.from[0]?.domain ?? '';
  const claimed = brands.named(`${c.from[0]?.display ?? ''} ${text}`, 800);
  if (claimed === undefined || (from !== '' && brands.official(claimed, from))) return;
  s.add(40, `the request speaks for ${claimed.name} but comes from ${from || 'no valid address'}`, 'Ask for account actions only from the brand\'s own domain.');
}

function matches(signal: FraudSignal, text: string): boolean {
  return signal.all.every((pattern) => pattern.test(text));
}
