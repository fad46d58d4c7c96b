import { createHash, type Hash } from 'node:crypto';
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
    // ttlResolution 0: lru-cache otherwise remembers "now" for 1 ms with a setTimeout, i.e. a
    // timer per message at a few hundred messages a second; reading the clock costs less.
    this.#entries = new LRUCache({ max: options.maxEntries ?? 10_000, ttl: options.ttlMs ?? 3_600_000, ttlResolution: 0 });
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
const KEY_HEADERS = new Set(['subject', 'from', 'reply-to', 'list-unsubscribe-post', 'mime-version', 'content-type', 'content-transfer-encoding']);
/** Headers whose presence or one detail is in the version (see `contentVersion`). */
const OTHER_VERSION_HEADERS = new Set(['dkim-signature', 'list-unsubscribe', 'in-reply-to', 'references']);

/**
 * The content version of a message: a hash of what campaign-scope stages read — subject, sender
 * identity, unsubscribe headers, and the body — with what legitimately differs per recipient
 * masked out: the recipient's address, MIME boundaries, and long tokens inside URLs (unsubscribe
 * and tracking ids). Personalization beyond that (a first name in the body) yields one version
 * per recipient; set the `content_version` meta (a template id) to share the evaluation anyway.
 */
export function contentVersion(message: Message, tenant: string, campaign: string, mailClass: string): string {
  let head = `${tenant}\u0000${campaign}\u0000${mailClass}\u0000${message.sender.slice(message.sender.lastIndexOf('@') + 1).toLowerCase()}\u0000`;
  // Only the fields read here are decoded (not the Received chain, Date, Message-ID, To).
  for (const [name, value] of message.headers(isVersionHeader)) {
    const lower = name.toLowerCase();
    if (KEY_HEADERS.has(lower)) head += `${lower}:${maskBoundary(value)}\n`;
    else if (lower === 'dkim-signature') head += `dkim:${/(?:^|;)\s*d\s*=\s*([^;\s]+)/i.exec(value)?.[1] ?? ''}\n`;
    else if (lower === 'list-unsubscribe') head += `unsub:${/<https:/i.test(value)}\n`;
    else head += `reply\n`; // in-reply-to or references: the filter lets no other field through
  }
  // The header material goes in as one update: each update is a call into C++.
  const hash = createHash('sha1').update(head);
  const data = message.getData();
  const start = bodyOffset(data);
  if (mayHaveMasks(data, start, message.recipient)) hashBody(hash, data, start, message.recipient);
  else hash.update(data.subarray(start));
  return hash.digest('base64url');
}

function isVersionHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return KEY_HEADERS.has(lower) || OTHER_VERSION_HEADERS.has(lower);
}

function bodyOffset(data: Buffer): number {
  const crlf = data.indexOf(CRLF2);
  // A bare-LF separator only counts before the CRLF one: no need to scan the body for it.
  const lf = (crlf === -1 ? data : data.subarray(0, crlf)).indexOf(LF2);
  if (lf === -1) return crlf === -1 ? data.length : crlf + 4;
  return lf + 2;
}

const BOUNDARY_PARAM = /boundary\s*=\s*("[^"]*"|[^;\s]+)/gi;
const DELIMITER_LINE = /^--\S+[ \t]*\r?$/gm;
const URL = /https?:\/\/[^/\s"'<>?#]*([^\s"'<>]*)/gi;
const TOKEN = /[A-Za-z0-9_-]{12,}/g;
const MASK = Buffer.from([0]);

function maskBoundary(value: string): string {
  return value.replace(BOUNDARY_PARAM, 'boundary=');
}

/**
 * Whether the body may hold a span to mask, asked of the buffer (no string copy of the body): a
 * boundary parameter needs "=", a delimiter line "--", a URL "://", and the recipient (also with
 * "%40" for "@") what follows its "@". A "no" is exact; plain bodies without links, MIME parts or
 * quoted-printable are hashed as they are.
 */
function mayHaveMasks(data: Buffer, start: number, recipient: string): boolean {
  return data.indexOf(EQUALS, start) !== -1 || data.indexOf(DASHES, start) !== -1 || data.indexOf(SCHEME, start) !== -1
    || (recipient !== '' && data.indexOf(recipient.slice(recipient.indexOf('@') + 1), start, 'latin1') !== -1);
}

// Needles as buffers: a string needle is encoded again on every search.
const CRLF2 = Buffer.from('\r\n\r\n');
const LF2 = Buffer.from('\n\n');
const EQUALS = 0x3d;
const DASHES = Buffer.from('--');
const SCHEME = Buffer.from('://');

/** Whether a line of `body` (a latin1 view: no U+2028/9) may start with "--"; cheaper than the multiline regex. */
function mayHaveDelimiter(body: string): boolean {
  // One scan for "--" first: most bodies without MIME parts have none at all.
  return body.includes('--') && (body.startsWith('--') || body.includes('\n--') || body.includes('\r--'));
}

/**
 * Feeds the body to the hash without the spans that differ per recipient. Spans are found on a
 * latin1 view (offsets are byte offsets) and the bytes between them are hashed straight from the
 * buffer, so a warm evaluation copies the body once, not once per mask.
 */
function hashBody(hash: Hash, data: Buffer, start: number, recipient: string): void {
  const body = data.toString('latin1', start);
  const spans: Array<[number, number]> = [];
  for (const m of body.matchAll(BOUNDARY_PARAM)) spans.push([m.index, m.index + m[0].length]);
  if (mayHaveDelimiter(body)) for (const m of body.matchAll(DELIMITER_LINE)) spans.push([m.index, m.index + m[0].length]);
  if (recipient !== '') {
    for (const needle of [recipient, recipient.replace('@', '%40')]) {
      for (let i = body.indexOf(needle); i !== -1; i = body.indexOf(needle, i + needle.length)) spans.push([i, i + needle.length]);
    }
  }
  for (const m of body.matchAll(URL)) {
    const path = m[1] ?? '';
    const offset = m.index + m[0].length - path.length;
    for (const t of path.matchAll(TOKEN)) spans.push([offset + t.index, offset + t.index + t[0].length]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [from, to] of spans) {
    if (from >= at) {
      hash.update(data.subarray(start + at, start + from));
      hash.update(MASK);
    }
    at = Math.max(at, to);
  }
  hash.update(data.subarray(start + at));
}
