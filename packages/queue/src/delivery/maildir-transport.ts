import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { internalResponse, parseAddress, type Message } from '@mtakit/core';
import type { AttemptResult, DeliveryChannel, Transport } from './channel.js';

export interface MaildirTransportOptions {
  /** Path template: `{meta_name}`, `{queue}`, `{tenant}`, `{campaign}`, `{domain}`, `{local_part}`, `{email}`… */
  template: string;
  dirMode: number;
  fileMode: number;
}

/**
 * Delivers into maildirs (tmp/ then rename into new/), for sinks and tests. The path template is
 * filled per message; placeholders name meta keys or the KumoMTA variables listed above.
 */
export class MaildirTransport implements Transport {
  constructor(readonly options: MaildirTransportOptions) {}

  async open(): Promise<DeliveryChannel> {
    return new MaildirChannel(this.options);
  }
}

class MaildirChannel implements DeliveryChannel {
  readonly protocol = 'Maildir' as const;
  readonly peer = null;
  readonly tls = null;
  readonly usable = true;

  constructor(readonly options: MaildirTransportOptions) {}

  deliver(messages: readonly Message[]): Promise<AttemptResult[]> {
    return Promise.all(messages.map((m) => this.#deliverOne(m)));
  }

  async #deliverOne(message: Message): Promise<AttemptResult> {
    const dir = expandTemplate(this.options.template, message);
    try {
      await Promise.all(['tmp', 'new', 'cur'].map((d) => mkdir(join(dir, d), { recursive: true, mode: this.options.dirMode })));
      const name = `${Date.now()}.${message.id}.${randomBytes(4).toString('hex')}.${hostname()}`;
      await writeFile(join(dir, 'tmp', name), message.getData(), { mode: this.options.fileMode });
      await rename(join(dir, 'tmp', name), join(dir, 'new', name));
      return { response: { code: 250, enhanced_code: { class: 2, subject: 0, detail: 0 }, content: `delivered to ${join(dir, 'new', name)}`, command: null } };
    } catch (error) {
      return { response: internalResponse(451, '4.3.0', `maildir write to ${dir} failed: ${(error as Error).message}`) };
    }
  }

  close(): void {}
}

export function expandTemplate(template: string, message: Message): string {
  const { localPart, domain } = parseAddress(message.recipient);
  const sender = message.sender ? parseAddress(message.sender) : { localPart: '', domain: '' };
  const vars: Record<string, string> = {
    queue: message.metaString('queue') ?? '', tenant: message.metaString('tenant') ?? '', campaign: message.metaString('campaign') ?? '',
    domain: domain.toLowerCase(), routing_domain: message.metaString('routing_domain') ?? domain.toLowerCase(), local_part: localPart,
    domain_part: domain, email: message.recipient, sender_local_part: sender.localPart, sender_domain: sender.domain, sender_email: message.sender,
  };
  return template.replace(/\{\{?\s*(?:meta\.)?([A-Za-z_][\w]*)\s*\}?\}/g, (_m, key: string) =>
    safePathPart(vars[key] ?? message.metaString(key) ?? ''));
}

/** Keeps a placeholder's value from escaping its directory. */
function safePathPart(value: string): string {
  return value.replace(/[/\\]/g, '_').replace(/^\.+$/, '_');
}
