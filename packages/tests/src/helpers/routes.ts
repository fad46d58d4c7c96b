import type { SinkMessage, SmtpSink } from '@mtakit/core/testing';
import { sendAll, type Outgoing } from './policy-mta.js';

/**
 * Sends every message through the MTA, requires a 250 for each, waits until the sink has them all
 * and returns, per recipient, the copy the sink received (its `remoteAddress` is the egress
 * source's address: the route the message took).
 */
export async function deliverAll(smtpPort: number, sink: SmtpSink, messages: readonly Outgoing[]): Promise<Map<string, SinkMessage>> {
  const refused = (await sendAll(smtpPort, messages)).filter((r) => r.code !== 250);
  if (refused.length > 0) throw new Error(`the MTA refused: ${JSON.stringify(refused)}`);
  await sink.waitFor(() => messages.every((m) => sink.for(m.to).length > 0));
  return new Map(messages.map((m) => [m.to, sink.for(m.to)[0] as SinkMessage]));
}

/** recipient → address the message left from, for a readable toEqual. */
export function sourcesOf(delivered: Map<string, SinkMessage>): Record<string, string> {
  return Object.fromEntries([...delivered].map(([to, m]) => [to, m.remoteAddress]));
}

/**
 * Once every queue in `expected` waits for a retry, checks that each next attempt is due in the
 * expected number of minutes, give or take the retry jitter (at most ±30 s). Returns the minutes.
 */
export async function retryMinutes(summary: () => Promise<{ scheduled: Array<{ name: string; nextDue: string | null }> }>, expected: Record<string, number>): Promise<Record<string, number>> {
  const names = Object.keys(expected);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { scheduled } = await summary();
    const due = new Map(scheduled.filter((q) => q.nextDue !== null).map((q) => [q.name, Date.parse(q.nextDue as string)]));
    if (names.every((n) => due.has(n))) {
      const now = Date.now();
      const minutes = Object.fromEntries(names.map((n) => [n, ((due.get(n) as number) - now) / 60_000]));
      const off = names.filter((n) => Math.abs((minutes[n] as number) - (expected[n] as number)) > 0.6);
      if (off.length > 0) throw new Error(`retry not due as expected ${JSON.stringify(expected)}: ${JSON.stringify(minutes)}`);
      return minutes;
    }
    if (Date.now() > deadline) throw new Error(`queues ${names.join(', ')} not all waiting for a retry: ${JSON.stringify(scheduled)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
