import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { systemClock, type Clock } from '@mtakit/core';
import { normalizeRecipient, normalizeTenant, type SuppressionEntry } from './entry.js';
import { SuppressionPolicy } from './policy.js';
import type { SuppressionStore } from './store.js';

/**
 * One-click unsubscribe (RFC 8058). Each message carries
 *
 *   List-Unsubscribe: <https://unsub.example.com/u?t=TOKEN>
 *   List-Unsubscribe-Post: List-Unsubscribe=One-Click
 *
 * and the mailbox provider POSTs to that URL when the user clicks "unsubscribe". The token names
 * the recipient, tenant and campaign and is signed (HMAC-SHA256), so nobody can unsubscribe an
 * address they did not receive mail for by editing the URL.
 */
export interface UnsubscribeData {
  recipient: string;
  tenant?: string | null;
  campaign?: string | null;
}

const SIGNATURE_CHARS = 22;

export function createUnsubscribeToken(data: UnsubscribeData, secret: string | Buffer): string {
  const payload: Record<string, string> = { r: data.recipient };
  if (data.tenant) payload['t'] = data.tenant;
  if (data.campaign) payload['c'] = data.campaign;
  const encoded = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${encoded}.${sign(encoded, secret)}`;
}

/** The token's data when its signature is right; null for anything forged, truncated or malformed. */
export function verifyUnsubscribeToken(token: string, secret: string | Buffer): UnsubscribeData | null {
  const [encoded = '', signature = ''] = token.split('.', 2);
  const expected = Buffer.from(sign(encoded, secret));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const p = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof p['r'] !== 'string') return null;
    return { recipient: p['r'], tenant: typeof p['t'] === 'string' ? p['t'] : null, campaign: typeof p['c'] === 'string' ? p['c'] : null };
  } catch {
    return null;
  }
}

/** The two RFC 8058 headers for a message, with the token in the URL's `t` parameter. */
export function unsubscribeHeaders(baseUrl: string, data: UnsubscribeData, secret: string | Buffer): { 'List-Unsubscribe': string; 'List-Unsubscribe-Post': string } {
  const url = new URL(baseUrl);
  url.searchParams.set('t', createUnsubscribeToken(data, secret));
  return { 'List-Unsubscribe': `<${url.toString()}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

export interface OneClickHandlerOptions {
  store: SuppressionStore;
  secret: string | Buffer;
  /** Scope and expiry of the opt-outs (`feedbackScope`, `ttl.unsubscribe`). Default policy. */
  policy?: SuppressionPolicy;
  clock?: Clock;
  /** Called for each opt-out recorded. */
  onUnsubscribe?: (entry: SuppressionEntry) => void;
}

/**
 * A Node `http` request handler for the unsubscribe URL: POST (the one-click request) records an
 * `unsubscribe` suppression and answers 200; GET answers a page with a button that POSTs, because
 * link scanners and previews fetch URLs with GET and must not unsubscribe anyone. A bad token
 * gets 403. Serve it on a listener the mailbox providers can reach (not the admin API).
 */
export function oneClickUnsubscribeHandler(options: OneClickHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const policy = options.policy ?? new SuppressionPolicy();
  const clock = options.clock ?? systemClock;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const token = url.searchParams.get('t') ?? '';
    const data = verifyUnsubscribeToken(token, options.secret);
    let recipient: string | undefined;
    try {
      recipient = data ? normalizeRecipient(data.recipient) : undefined;
    } catch {
      recipient = undefined;
    }
    if (!data || !recipient) return reply(res, 403, 'text/plain', 'This unsubscribe link is not valid.\n');
    if (req.method === 'GET' || req.method === 'HEAD') {
      const action = `?t=${encodeURIComponent(token)}`;
      return reply(res, 200, 'text/html', `<!doctype html><meta charset="utf-8"><title>Unsubscribe</title><form method="post" action="${escapeHtml(action)}"><p>Stop sending mail to ${escapeHtml(recipient)}?</p><button type="submit" name="List-Unsubscribe" value="One-Click">Unsubscribe</button></form>\n`);
    }
    if (req.method !== 'POST') return reply(res, 405, 'text/plain', 'Use POST.\n');
    await drain(req, 8192);
    const now = clock.now();
    const entry: SuppressionEntry = {
      recipient, tenant: policy.feedbackScope === 'tenant' ? normalizeTenant(data.tenant) : null, reason: 'unsubscribe', category: 'Unsubscribe',
      source_type: 'unsubscribe', source_id: data.campaign ?? '', created: now, expires: policy.expiresFor('unsubscribe', now), note: 'one-click unsubscribe (RFC 8058)',
    };
    await options.store.put([entry]);
    options.onUnsubscribe?.(entry);
    reply(res, 200, 'text/plain', 'You have been unsubscribed.\n');
  };
  return (req, res) => {
    handle(req, res).catch(() => reply(res, 500, 'text/plain', 'Could not record the request; please try again.\n'));
  };
}

function sign(encoded: string, secret: string | Buffer): string {
  return createHmac('sha256', secret).update(`unsubscribe:${encoded}`).digest('base64url').slice(0, SIGNATURE_CHARS);
}

/** Reads and discards a body (the form field `List-Unsubscribe=One-Click`), up to a limit. */
async function drain(req: IncomingMessage, limit: number): Promise<void> {
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) break;
  }
}

function reply(res: ServerResponse, status: number, type: string, body: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
  res.end(body);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
