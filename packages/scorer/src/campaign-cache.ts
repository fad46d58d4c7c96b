import { createHash } from 'node:crypto';
import type { Message } from '@mtakit/core';
import { LRUCache } from 'lru-cache';
import type { StageOutcome } from './types.js';

export interface CampaignCacheOptions {
  /** Content versions remembered. Default 10,000. */
  maxEntries?: number;
  /** How long an evaluation is reused, ms. Default 1 hour. */
  ttlMs?: number;
}

type Entry = StageOutcome | Promise<StageOutcome>;

/**
 * Outcomes of campaign-scope stages per content version. A pending evaluation is cached too, so
 * the messages of a campaign that arrive together share one evaluation; a failed one is dropped so
 * the next message retries it.
 */
export class CampaignCache {
  readonly #entries: LRUCache<string, Map<string, Entry>>;

  constructor(options: CampaignCacheOptions = {}) {
    this.#entries = new LRUCache({ max: options.maxEntries ?? 10_000, ttl: options.ttlMs ?? 3_600_000 });
  }

  get(version: string, stage: string): Entry | undefined {
    return this.#entries.get(version)?.get(stage);
  }

  set(version: string, stage: string, entry: Entry): void {
    let stages = this.#entries.get(version);
    if (!stages) this.#entries.set(version, (stages = new Map()));
    stages.set(stage, entry);
    if (entry instanceof Promise) {
      entry.then(
        (outcome) => this.#replace(version, stage, entry, outcome),
        () => this.#replace(version, stage, entry, undefined),
      );
    }
  }

  /** Replaces a settled promise by its value (or drops it) unless something newer took its place. */
  #replace(version: string, stage: string, pending: Entry, outcome: StageOutcome | undefined): void {
    const stages = this.#entries.get(version);
    if (stages?.get(stage) !== pending) return;
    if (outcome === undefined) stages.delete(stage);
    else stages.set(stage, outcome);
  }
}

/**
 * Headers the built-in campaign-scope stages read. Anything they depend on must be in the content
 * version, so that two messages with one version are scored alike.
 */
const KEY_HEADERS = ['subject', 'from', 'reply-to', 'list-unsubscribe-post', 'mime-version', 'content-type', 'content-transfer-encoding'];

/**
 * The content version of a message: a hash of what campaign-scope stages read — subject, sender
 * identity, unsubscribe headers, and the body — with what legitimately differs per recipient
 * masked out: the recipient's address, MIME boundaries, and long tokens inside URLs (unsubscribe
 * and tracking ids). Personalization beyond that (a first name in the body) yields one version
 * per recipient; set the `content_version` meta (a template id) to share the evaluation anyway.
 */
export function contentVersion(message: Message, tenant: string, campaign: string, mailClass: string): string {
  const hash = createHash('sha1');
  hash.update(`${tenant}\u0000${campaign}\u0000${mailClass}\u0000${message.sender.slice(message.sender.lastIndexOf('@') + 1).toLowerCase()}\u0000`);
  for (const [name, value] of message.headers()) {
    const lower = name.toLowerCase();
    if (KEY_HEADERS.includes(lower)) hash.update(`${lower}:${maskBoundary(value)}\n`);
    else if (lower === 'dkim-signature') hash.update(`dkim:${/(?:^|;)\s*d\s*=\s*([^;\s]+)/i.exec(value)?.[1] ?? ''}\n`);
    else if (lower === 'list-unsubscribe') hash.update(`unsub:${/<https:/i.test(value)}\n`);
    else if (lower === 'in-reply-to' || lower === 'references') hash.update(`reply\n`);
  }
  const data = message.getData();
  const body = data.toString('latin1', bodyOffset(data));
  hash.update(maskBody(body, message.recipient), 'latin1');
  return hash.digest('base64url');
}

function bodyOffset(data: Buffer): number {
  const crlf = data.indexOf('\r\n\r\n');
  const lf = data.indexOf('\n\n');
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return crlf + 4;
  return lf === -1 ? data.length : lf + 2;
}

function maskBoundary(value: string): string {
  return value.replace(/boundary\s*=\s*("[^"]*"|[^;\s]+)/gi, 'boundary=');
}

function maskBody(body: string, recipient: string): string {
  let out = maskBoundary(body).replace(/^--\S+[ \t]*\r?$/gm, '--');
  if (recipient !== '') {
    out = out.split(recipient).join('\u0000').split(recipient.replace('@', '%40')).join('\u0000');
  }
  return out.replace(/(https?:\/\/[^/\s"'<>?#]*)([^\s"'<>]*)/gi, (_url, origin: string, rest: string) => origin + rest.replace(/[A-Za-z0-9_-]{12,}/g, '#'));
}
