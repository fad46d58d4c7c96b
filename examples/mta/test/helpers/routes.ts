import { SmtpSink, type SinkMessage } from '@mtakit/core/testing';
import { sendAll, startPolicyMta, type Outgoing, type PolicyMta } from './policy-mta.js';

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

/**
 * Starts the example MTA with `env` (its MTAKIT_POLICY decides the egress path configs) and one
 * slow, TLS-offering sink per destination domain (the application's layer points each domain's
 * queue at its sink), sends twice each domain's connection limit, and returns per domain the peak
 * of concurrent connections the sink saw and whether every message came over TLS.
 */
export async function connectionPeaks(env: Record<string, string>, limits: Record<string, number>): Promise<Record<string, { peak: number; allTls: boolean }>> {
  const byDomain = new Map<string, SmtpSink>();
  let mta: PolicyMta | undefined;
  try {
    // Deliveries take 400 ms each, so connections stay open long enough to reach the limit.
    for (const domain of Object.keys(limits)) byDomain.set(domain, await new SmtpSink({ tls: true, dataDelayMs: 400 }).start());
    mta = await startPolicyMta(env, {
      policy: { get_queue_config: (domain) => ({ protocol: { smtp: { mx_list: [(byDomain.get(domain) as SmtpSink).address] } } }) },
    });
    const messages = Object.entries(limits).flatMap(([domain, limit]) => Array.from({ length: 2 * limit }, (_, i) => ({ to: `user${i}@${domain}` })));
    const refused = (await sendAll(mta.mta.smtp.port, messages)).filter((r) => r.code !== 250);
    if (refused.length > 0) throw new Error(`the MTA refused: ${JSON.stringify(refused)}`);
    const peaks: Record<string, { peak: number; allTls: boolean }> = {};
    for (const [domain, limit] of Object.entries(limits)) {
      const s = byDomain.get(domain) as SmtpSink;
      await s.waitFor(() => s.received === 2 * limit);
      peaks[domain] = { peak: s.peakConnections, allTls: s.messages.every((m) => m.secure) };
    }
    return peaks;
  } finally {
    await mta?.stop();
    await Promise.all([...byDomain.values()].map((s) => s.stop()));
  }
}

/**
 * Messages tagged by region (X-Region), untagged, and one from an authenticated tenant: all but
 * the last share the scheduled queue "dest.test", so only a per-message queue config routes them
 * apart.
 */
export function regionMessages(tenantUser: { user: string; pass: string }): Outgoing[] {
  return [
    { to: 'mx@dest.test', headers: { 'X-Region': 'mexico' } },
    { to: 'pe@dest.test', headers: { 'X-Region': 'peru' } },
    { to: 'co@dest.test', headers: { 'X-Region': 'colombia' } },
    { to: 'jp@dest.test', headers: { 'X-Region': 'japan' } },
    { to: 'none@dest.test' },
    { to: 'tenant@dest.test', auth: tenantUser },
  ];
}

/**
 * Sends a message the sink tempfails (451 to tempfail@) per region, each to its own domain, and
 * checks the minutes until each is retried: Mexico, Peru, untagged.
 */
export async function regionRetries(mta: PolicyMta, minutes: { mexico: number; peru: number; untagged: number }): Promise<void> {
  const results = await sendAll(mta.mta.smtp.port, [
    { to: 'tempfail@mexico.test', headers: { 'X-Region': 'mexico' } },
    { to: 'tempfail@peru.test', headers: { 'X-Region': 'peru' } },
    { to: 'tempfail@other.test' },
  ]);
  if (results.some((r) => r.code !== 250)) throw new Error(`the MTA refused: ${JSON.stringify(results)}`);
  await retryMinutes(mta.queueSummary, { 'mexico.test': minutes.mexico, 'peru.test': minutes.peru, 'other.test': minutes.untagged });
}
