import type { SmtpResponse } from '../log/records.js';
import type { Message } from '../message/message.js';

/**
 * Names the bounce category of a delivery reply (KumoMTA's categories: `InvalidRecipient`,
 * `QuotaIssues`…), for the TransientFailure and Bounce records. Synchronous: it runs on the
 * delivery path. Implemented by `@mtakit/bounce`'s classifier.
 */
export type Classifier = (response: SmtpResponse) => string;

/**
 * Checked after a message is loaded for delivery and before it is sent (a suppression list, a
 * last-minute policy): a reply returned here is the attempt's outcome (5xx bounces, 4xx retries)
 * and nothing is sent.
 */
export type DeliveryGate = (message: Message) => Promise<SmtpResponse | undefined>;

/** Runs gates in order; the first reply wins. */
export function chainDeliveryGates(gates: readonly DeliveryGate[]): DeliveryGate | undefined {
  if (gates.length === 0) return undefined;
  if (gates.length === 1) return gates[0];
  return async (message) => {
    for (const gate of gates) {
      const reply = await gate(message);
      if (reply) return reply;
    }
    return undefined;
  };
}
