import { SmtpIngress, type SmtpIngressOptions } from '../smtp/ingress.js';
import { generateSelfSigned, type TlsKeyPair } from '../tls/certificate.js';

/**
 * Listeners for tests: `start` opens an SmtpIngress on a free loopback port (self-signed
 * certificate, accepting everything unless told otherwise); `closeAll` in the suite's teardown.
 */
export class IngressFixture {
  #tls: Promise<TlsKeyPair> | undefined;
  readonly #started: SmtpIngress[] = [];

  async start(options: Partial<SmtpIngressOptions> = {}): Promise<{ ingress: SmtpIngress; port: number }> {
    this.#tls ??= generateSelfSigned('mx.test');
    const ingress = new SmtpIngress({ hostname: 'mx.test', port: 0, tls: await this.#tls, accept: async () => undefined, ...options });
    this.#started.push(ingress);
    const { port } = await ingress.listen();
    return { ingress, port };
  }

  closeAll(): Promise<void> {
    return Promise.all(this.#started.splice(0).map((s) => s.close())).then(() => undefined);
  }
}
