/**
 * One SmtpIngress in its own process, as the example MTA builds it (metrics, a log bus, loopback
 * as the relay network) but with an `accept` that stores nothing: what `bench/smtp-listener-cost.mjs`
 * measures is the listener's own CPU per session, without the spool, the queue and the egress that
 * a peers run adds (and whose noise hides a change of a few percent). Prints `port <n>` when
 * listening; SIGTERM closes it. Run from a checkout's root (copy it into an older one for an A/B):
 *   node --conditions=@mtakit/source --import tsx bench/lib/listener-main.ts
 */
import { LogBus } from '@mtakit/core';
import { parseCidr } from '@mtakit/core/dns';
import { MtaMetrics } from '@mtakit/core/metrics';
import { generateSelfSigned, SmtpIngress } from '@mtakit/core/smtp';

const ingress = new SmtpIngress({
  hostname: 'mx.test', port: 0, tls: await generateSelfSigned('mx.test'), relayNetworks: [parseCidr('127.0.0.0/8')],
  metrics: new MtaMetrics(), log: new LogBus(), accept: async () => undefined,
});
const { port } = await ingress.listen();
process.stdout.write(`port ${port}\n`);
process.on('SIGTERM', () => void ingress.close().then(() => process.exit(0)));
