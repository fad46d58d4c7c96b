import { createTransport } from 'nodemailer';

export interface InjectResult {
  /** Recipients whose message got a 250 (acknowledged: must never be lost). */
  acked: string[];
  failed: Array<{ recipient: string; error: string }>;
  /** Acceptance latency per message, ms. */
  latencies: number[];
}

/**
 * Injects one message per recipient over SMTP with a pool of connections (nodemailer), as a
 * sending application would. Stops early if `stopAfter` acknowledgements have been counted.
 */
export async function injectMessages(port: number, recipients: string[], options: { connections?: number; size?: number; onAck?: (n: number) => void } = {}): Promise<InjectResult> {
  const transport = createTransport({
    pool: true, host: '127.0.0.1', port, secure: false, ignoreTLS: true,
    maxConnections: options.connections ?? 10, maxMessages: Infinity, connectionTimeout: 10_000, socketTimeout: 30_000,
  });
  const body = 'x'.repeat(Math.max(0, (options.size ?? 1024) - 200)).replace(/(.{76})/g, '$1\r\n');
  const result: InjectResult = { acked: [], failed: [], latencies: [] };
  try {
    await Promise.all(recipients.map(async (to) => {
      const t0 = performance.now();
      try {
        await transport.sendMail({ envelope: { from: 'load@example.com', to }, raw: `From: load@example.com\r\nTo: ${to}\r\nSubject: load\r\n\r\n${body}\r\n` });
        result.latencies.push(performance.now() - t0);
        result.acked.push(to);
        options.onAck?.(result.acked.length);
      } catch (error) {
        result.failed.push({ recipient: to, error: (error as Error).message });
      }
    }));
  } finally {
    transport.close();
  }
  return result;
}

/**
 * Recovery after a refusal (disk full, descriptors out): tries one message every 500 ms until the
 * MTA acknowledges it or `timeoutMs` passes, then sends `count` more; returns what was acknowledged.
 */
export async function injectOnceAccepting(port: number, prefix: string, count: number, timeoutMs = 30_000): Promise<InjectResult> {
  const deadline = Date.now() + timeoutMs;
  let probe = await injectMessages(port, [`${prefix}0@dest.test`], { connections: 1 });
  while (probe.acked.length === 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    probe = await injectMessages(port, [`${prefix}0@dest.test`], { connections: 1 });
  }
  const more = await injectMessages(port, Array.from({ length: count }, (_, i) => `${prefix}${i + 1}@dest.test`), { connections: 5 });
  return { acked: [...probe.acked, ...more.acked], failed: more.failed, latencies: [...probe.latencies, ...more.latencies] };
}
