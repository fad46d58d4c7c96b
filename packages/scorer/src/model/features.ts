import type { Message } from '@mtakit/core';
import { registrableDomain } from '../content/address.js';
import type { ParsedContent } from '../content/parse.js';
import { FREEMAIL_DOMAINS } from '../lists/domains.js';

/**
 * The features of the content model: what a message says and how it is built, as strings hashed
 * to 32 bits (the model keeps a weight only for the hashes of features it was trained on, so an
 * unseen word weighs nothing rather than whatever shares its bucket). Only what the sending application controls is read — the
 * subject, the visible text, the links, the From header, the MIME structure, X-Mailer, Message-ID
 * and Date — never the Received chain or the recipient's address, which at pre-send time do not
 * exist yet (in a corpus of received mail they identify the receiving site, not the message).
 *
 * Bounded and deterministic: the first `MODEL_TEXT_CHARS` characters of the text and the first
 * `MODEL_LINKS` links are read, whatever the machine's speed.
 */
export const MODEL_TEXT_CHARS = 16_384;
export const MODEL_LINKS = 100;
const MAX_TOKENS = 2_500;

/** One feature: its name (shown in reasons) and its 32-bit hash, the key of its weight. */
export interface Feature {
  name: string;
  hash: number;
}

const WORD = /[\p{L}\p{N}$€£]+(?:['’.-][\p{L}\p{N}]+)*/gu;
const TEXT_URL = /\bhttps?:\/\/[^\s<>"')\]]+/gi;
const HOST = /^[a-z][a-z0-9+.-]*:\/\/(?:[^/?#@]*@)?([^/?#:]+)/i;
const IP_HOST = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** FNV-1a, 32 bits, over UTF-16 code units: stable across platforms and Node versions. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The visible words, lowercased, digits folded to 0 (prices and dates are not vocabulary). */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const m of text.slice(0, MODEL_TEXT_CHARS).toLowerCase().matchAll(WORD)) {
    const w = m[0];
    if (w.length < 2 || w.length > 30) continue;
    out.push(w.replace(/\d/g, '0'));
    if (out.length >= MAX_TOKENS) break;
  }
  return out;
}

/** A count as a coarse bucket, so that "3 links" and "4 links" share a feature. */
const bucket = (n: number) => (n === 0 ? '0' : n === 1 ? '1' : n <= 3 ? '2-3' : n <= 10 ? '4-10' : n <= 40 ? '11-40' : '41+');

export function extractFeatures(message: Message, c: ParsedContent): Feature[] {
  const names = new Set<string>();
  const subject = words(c.subject ?? '');
  for (const w of subject) names.add(`s:${w}`);
  if (c.subject === undefined) names.add('subject:none');
  const body = c.htmlScan.text.length > c.text.length / 2 ? c.htmlScan.text : c.text;
  const tokens = words(body);
  for (let i = 0; i < tokens.length; i++) {
    names.add(`w:${tokens[i]}`);
    if (i > 0) names.add(`b:${tokens[i - 1]} ${tokens[i]}`);
  }
  names.add(`words:${bucket(Math.ceil(tokens.length / 25))}`);
  linkFeatures(c, names);
  headerFeatures(message, c, names);
  return [...names].map((name) => ({ name, hash: fnv1a(name) }));
}

function linkFeatures(c: ParsedContent, names: Set<string>): void {
  const urls = [...c.htmlScan.anchors.map((a) => a.href), ...(c.text.slice(0, MODEL_TEXT_CHARS).match(TEXT_URL) ?? [])].slice(0, MODEL_LINKS);
  const hosts = new Set<string>();
  for (const url of urls) {
    const host = HOST.exec(url)?.[1]?.toLowerCase();
    if (host === undefined) continue;
    hosts.add(host);
    if (IP_HOST.test(host)) names.add('link:ip');
    else {
      names.add(`link:${registrableDomain(host)}`);
      names.add(`tld:${host.slice(host.lastIndexOf('.') + 1)}`);
    }
    if (/^http:/i.test(url)) names.add('link:http');
  }
  names.add(`links:${bucket(urls.length)}`);
  names.add(`hosts:${bucket(hosts.size)}`);
  names.add(`images:${bucket(c.htmlScan.images.length)}`);
  if (c.htmlScan.forms > 0) names.add('html:form');
}

function headerFeatures(message: Message, c: ParsedContent, names: Set<string>): void {
  const from = c.from[0];
  const domain = from?.domain ?? '';
  if (from === undefined || domain === '') names.add('from:none');
  else {
    names.add(`from:tld:${domain.slice(domain.lastIndexOf('.') + 1)}`);
    if (FREEMAIL_DOMAINS.has(registrableDomain(domain))) names.add('from:freemail');
    names.add(from.display === '' ? 'from:no-name' : 'from:name');
    for (const w of words(from.display).slice(0, 6)) names.add(`fn:${w}`);
  }
  if (c.replyTo.length > 0) names.add(c.replyTo[0]?.domain === domain ? 'reply-to:same' : 'reply-to:other');
  const mailer = message.getFirstHeader('X-Mailer') ?? message.getFirstHeader('User-Agent');
  names.add(mailer === undefined ? 'mailer:none' : `mailer:${words(mailer)[0] ?? ''}`);
  const id = message.getFirstHeader('Message-ID');
  const idDomain = /@([^>\s]+)>?\s*$/.exec(id ?? '')?.[1]?.toLowerCase();
  names.add(id === undefined ? 'message-id:none' : idDomain === undefined ? 'message-id:odd' : registrableDomain(idDomain) === registrableDomain(domain) ? 'message-id:from' : 'message-id:other');
  if (message.getFirstHeader('Date') === undefined) names.add('date:none');
  names.add(`parts:${c.hasTextPart ? 'text' : ''}${c.hasHtmlPart ? '+html' : ''}`);
  for (const a of c.attachments.slice(0, 10)) names.add(`attach:${a.type}`);
  if (c.problems.length > 0) names.add('mime:problem');
  if (message.getFirstHeader('List-Unsubscribe') !== undefined) names.add('list-unsubscribe');
}
