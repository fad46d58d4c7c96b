import { registrableDomain } from '../content/address.js';
import { FREEMAIL_DOMAINS } from '../lists/domains.js';
import { FRAUD_ASKS, FRAUD_PRESSURE, type FraudSignal } from '../lists/fraud.js';
import { Signals } from '../signals.js';
import type { Stage, StageInput, StageOutcome } from '../types.js';

export interface FraudStageOptions {
  /** Default weight. Default 0.9. */
  weight?: number;
  /** What fraud asks for (payments, gift cards, bank changes, credentials…). Default: `FRAUD_ASKS`. */
  asks?: readonly FraudSignal[];
  /** Pressure around an ask (urgency, secrecy…), counted only with one. Default: `FRAUD_PRESSURE`. */
  pressure?: readonly FraudSignal[];
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
  const asks = options.asks ?? FRAUD_ASKS;
  const pressure = options.pressure ?? FRAUD_PRESSURE;
  return {
    name: 'fraud',
    scope: 'campaign',
    weight: options.weight ?? 0.9,
    run: (input) => scoreFraud(input, asks, pressure),
  };
}

function scoreFraud(input: StageInput, asks: readonly FraudSignal[], pressure: readonly FraudSignal[]): StageOutcome {
  const c = input.content();
  const text = `${c.subject ?? ''}\n${c.text}\n${c.htmlScan.text}`.replace(/[\u2018\u2019]/g, "'").replace(/\s+/g, ' ');
  const s = new Signals();
  const found = asks.filter((signal) => matches(signal, text));
  if (found.length === 0) return s.outcome();
  for (const ask of found) s.add(ask.points, ask.reason, ACTION);
  const calm = 'Remove pressure (deadlines, secrecy) from payment requests.';
  for (const p of pressure) {
    if (matches(p, text)) s.add(p.points, `${p.reason} around the request`, calm);
  }
  const from = c.from[0]?.domain;
  if (from !== undefined && FREEMAIL_DOMAINS.has(registrableDomain(from))) {
    s.add(15, `the request comes from a free-mail address (${from})`, 'Make payment requests from your organization\'s own domain.');
  }
  return s.outcome();
}

function matches(signal: FraudSignal, text: string): boolean {
  return signal.all.every((pattern) => pattern.test(text));
}
