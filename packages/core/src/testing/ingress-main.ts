/**
 * Runs one SmtpIngress in its own process, for tests that measure it from outside (peak RSS in
 * /proc/<pid>/status, descriptor limits set with prlimit). Prints `port <n>` when listening.
 * Usage: node --import tsx ingress-main.ts [maxMessageSize]
 */
import { parseCidr } from '../dns/cidr.js';
import { SmtpIngress } from '../smtp/ingress.js';
import { generateSelfSigned } from '../tls/certificate.js';

const maxMessageSize = Number(process.argv[2] ?? 20 * 1024 * 1024);
const ingress = new SmtpIngress({
  hostname: 'mx.test', port: 0, tls: await generateSelfSigned('mx.test'), maxMessageSize,
  relayNetworks: [parseCidr('127.0.0.0/8')], accept: async () => undefined,
});
const { port } = await ingress.listen();
process.stdout.write(`port ${port}\n`);
process.on('SIGTERM', () => void ingress.close().then(() => process.exit(0)));
