import { internalResponse, parseEnhancedCode, type CustomDeliver, type Message } from '@mtakit/core';
import type { AttemptResult, DeliveryChannel, Transport } from './channel.js';

/** The `custom` protocol: a TypeScript function delivers each message (KumoMTA's custom_lua). */
export class CustomTransport implements Transport {
  constructor(
    readonly name: string,
    readonly deliverFn: CustomDeliver,
  ) {}

  async open(): Promise<DeliveryChannel> {
    const deliverOne = (message: Message) => this.#deliverOne(message);
    return {
      protocol: 'Custom',
      peer: null,
      tls: null,
      usable: true,
      deliver: (messages) => Promise.all(messages.map(deliverOne)),
      close() {},
    };
  }

  async #deliverOne(message: Message): Promise<AttemptResult> {
    try {
      const r = await this.deliverFn(message);
      if (r.ok) return { response: { code: 250, enhanced_code: { class: 2, subject: 0, detail: 0 }, content: r.response ?? 'ok', command: null } };
      return { response: { code: r.code, enhanced_code: (r.enhanced && parseEnhancedCode(r.enhanced)) || null, content: r.text, command: null } };
    } catch (error) {
      return { response: internalResponse(451, '4.3.0', `custom protocol failed: ${(error as Error).message}`) };
    }
  }
}
