import { Message } from '@mtakit/core';
import { describe, expect, it } from 'vitest';
import { CampaignCache, contentVersion } from './campaign-cache.js';

/** A newsletter as an ESP renders it for one recipient. */
function render(recipient: string, token: string, boundary: string, body = 'Spring collection is here.', link = 'https://shop.example/spring') {
  const data = [
    'From: Shop <news@shop.example>', `To: ${recipient}`, 'Subject: Spring', `Message-ID: <${token}@shop.example>`, 'MIME-Version: 1.0',
    `List-Unsubscribe: <https://shop.example/u/${token}>`, `Content-Type: multipart/alternative; boundary="${boundary}"`, '',
    `--${boundary}`, 'Content-Type: text/plain', '', `${body} ${link}?u=${token}`, `Sent to ${recipient}`,
    `--${boundary}`, 'Content-Type: text/html', '', `<p>${body}</p><a href="${link}?u=${token}">Shop</a><p>Sent to ${encodeURIComponent(recipient)}</p>`,
    `--${boundary}--`, '',
  ].join('\r\n');
  return new Message({ sender: `b+${token}@bounce.shop.example`, recipient, data: Buffer.from(data) });
}
const version = (m: Message) => contentVersion(m, 'shop', 'spring', 'bulk');

describe('contentVersion', () => {
  it('is the same for every recipient of one rendering', () => {
    const a = version(render('ann@example.net', 'a81f3c9e0d7b6a5f', 'b-1-x9k2m4n6p8q0'));
    const b = version(render('bob.smith@example.org', '0c4e8a2b6d1f3a5c', 'b-2-z7y5x3w1v9u8'));
    expect(b).toBe(a);
  });

  it('changes with the body, the link domain, the tenant or the campaign', () => {
    const base = version(render('ann@example.net', 'a81f3c9e0d7b6a5f', 'b1'));
    expect(version(render('ann@example.net', 'a81f3c9e0d7b6a5f', 'b1', 'Summer collection is here.'))).not.toBe(base);
    expect(version(render('ann@example.net', 'a81f3c9e0d7b6a5f', 'b1', undefined, 'https://bit.ly/spring'))).not.toBe(base);
    const m = render('ann@example.net', 'a81f3c9e0d7b6a5f', 'b1');
    expect(contentVersion(m, 'other', 'spring', 'bulk')).not.toBe(base);
    expect(contentVersion(m, 'shop', 'autumn', 'bulk')).not.toBe(base);
  });

  it('hashes what it always hashed (versions are comparable across releases)', () => {
    // Pinned from the implementation before the one-update header hashing (2026-12-03).
    expect(version(render('ann@example.net', 'a81f3c9e0d7b6a5f', 'b-1-x9k2m4n6p8q0'))).toBe('EnN1jlwyaXGlJRFKJZEIN9f-118');
    const data = 'From: <bench@example.com>\r\nTo: <user@dest.test>\r\nSubject: Héllo\r\nDKIM-Signature: v=1; d=example.com; s=x\r\nIn-Reply-To: <x@y>\r\n'
      + 'List-Unsubscribe: <https://a.example/u/1>\r\n\r\n1XXXX user@dest.test --x\r\n--not a delimiter line\r\n--delim\r\nuser%40dest.test https://t.example/abcdefghijklmnop/q?x=1\r\n';
    expect(contentVersion(new Message({ sender: 'bench@example.com', recipient: 'user@dest.test', data: Buffer.from(data) }), '', '', 'transactional')).toBe('JZDhDq6USjXQIGxPF1Ffaa7KpmA');
    expect(contentVersion(new Message({ sender: '', recipient: '', data: Buffer.from('Subject: only headers\n') }), 't', 'c', 'bulk')).toBe('rnlamwTN4-QS7wULhpMB3fniwFY');
    const lf = 'Subject: lf\nContent-Type: text/plain; boundary=zz\n\nbody boundary="q" r@x.example\n--zz\nend\n';
    expect(contentVersion(new Message({ sender: 'a@B.EXAMPLE', recipient: 'r@x.example', data: Buffer.from(lf) }), 't', '', 'bulk')).toBe('FFm9xqawftIZC1YSYmIkF_gjrUg');
  });

  it('masks the same spans when the body is first searched as a buffer (pinned from the string-only search)', () => {
    const v = (recipient: string, data: string) => contentVersion(new Message({ sender: 'a@example.com', recipient, data: Buffer.from(data) }), '', '', 'transactional');
    // Nothing to mask ("=", "--", "://" and the recipient's domain absent): the body is hashed whole.
    expect(v('b@example.net', 'From: <a@example.com>\r\nTo: <b@example.net>\r\nReceived: from x\r\n\tby y\r\n\r\n1XXXXXXXX\r\n2XXXXXXXX\r\n')).toBe('NgayZ10gnC-5B6W-X8YH3EZfc1U');
    // Only the recipient (and its %40 form) to mask, so the search may not stop at the buffer.
    const plain = 'From: <a@example.com>\r\n\r\nHello ann@example.net, and ann%40example.net; nothing else here.\r\n';
    expect(v('ann@example.net', plain)).toBe('ByuD-wKQA_dNswgqFHIkQuIJ4Zs');
    expect(v('bob@example.net', plain)).toBe('wgMN_ukb3wracQLAn4nTmTe5xsI');
    // A UTF-8 address is not found in the latin1 view, before as now.
    expect(v('jürgen@bücher.example', 'From: <a@example.com>\r\n\r\nHallo jürgen@bücher.example\r\n')).toBe('_Hduj3G0y6p4NtJUA0Qs0B1Y5ws');
  });
});

describe('CampaignCache', () => {
  it('replaces a settled evaluation by its value and drops a failed one', async () => {
    const cache = new CampaignCache();
    const ok = Promise.resolve({ score: 5, reasons: [] });
    cache.set('v', 'links', ok);
    await ok;
    await Promise.resolve();
    expect(cache.get('v', 'links')).toEqual({ score: 5, reasons: [] });
    const failed = Promise.reject(new Error('x'));
    cache.set('v', 'subject', failed);
    await failed.catch(() => {});
    await Promise.resolve();
    expect(cache.get('v', 'subject')).toBeUndefined();
  });
});
