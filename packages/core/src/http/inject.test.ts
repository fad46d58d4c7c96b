import { afterAll, describe, expect, it } from 'vitest';
import { parseCidr } from '../dns/cidr.js';
import { reject } from '../errors.js';
import type { AcceptedMessage } from '../smtp/ingress.js';
import { registerInjectRoute, type InjectOptions } from './inject.js';
import { HttpListener } from './listener.js';

const listeners: HttpListener[] = [];
afterAll(() => Promise.all(listeners.map((l) => l.close())));

async function start(extra: Partial<InjectOptions> = {}) {
  const accepted: AcceptedMessage[] = [];
  const http = new HttpListener({ port: 0, trustedHosts: [parseCidr('127.0.0.0/8')] });
  registerInjectRoute(http, { accept: async (m) => void accepted.push(...m), ...extra });
  listeners.push(http);
  const { port } = await http.listen();
  const post = async (body: unknown) => {
    const r = await fetch(`http://127.0.0.1:${port}/api/inject/v1`, { method: 'POST', body: JSON.stringify(body) });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  return { accepted, post };
}

describe('POST /api/inject/v1', () => {
  it('renders one message per recipient from a raw message with substitutions', async () => {
    const { accepted, post } = await start();
    const r = await post({
      envelope_sender: 'news@example.com',
      content: 'From: news@example.com\nSubject: Hi {{ name }}\n\nYour code is {{code}}.\n',
      recipients: [{ email: 'a@dest.test', name: 'Ann', substitutions: { code: 1 }, metadata: { tenant: 'acme', campaign: 'c1' } }, { email: 'b@dest.test', substitutions: { code: 2 } }],
    });
    expect(r).toEqual({ status: 200, body: { success_count: 2, fail_count: 0, failed_recipients: [], errors: [] } });
    expect(accepted.map((a) => a.message.recipient)).toEqual(['a@dest.test', 'b@dest.test']);
    expect(accepted[0]!.message.getData().toString()).toMatch(/^X-KumoRef: [A-Za-z0-9+/=]+\r\nFrom: news@example.com\r\nSubject: Hi Ann\r\n\r\nYour code is 1.\r\n$/);
    expect(accepted[0]!.message.meta).toMatchObject({ reception_protocol: 'HTTP', extra: { tenant: 'acme', campaign: 'c1' } });
    expect(accepted[1]!.message.getFirstHeader('subject')).toBe('Hi');
  });

  it("lets the user's substitutions replace the built-in name and email", async () => {
    const { accepted, post } = await start();
    const r = await post({
      envelope_sender: 'news@example.com',
      content: 'Subject: Hi {{ name }} <{{ email }}>\n\nb\n',
      substitutions: { name: 'Friend' },
      recipients: [{ email: 'd@dest.test', substitutions: { name: 'Dave' } }, { email: 'e@dest.test' }, { email: 'f@dest.test', name: 'Fay' }, { email: 'g@dest.test', name: 'Gus', substitutions: { name: 'Gustav', email: 'hidden' } }],
    });
    expect(r.status).toBe(200);
    expect(accepted.map((a) => a.message.getFirstHeader('subject'))).toEqual(['Hi Dave <d@dest.test>', 'Hi Friend <e@dest.test>', 'Hi Fay <f@dest.test>', 'Hi Gustav <hidden>']);
  });

  it('builds MIME from parts, escapes HTML substitutions, and never reads paths', async () => {
    const { accepted, post } = await start();
    const r = await post({
      envelope_sender: 'news@example.com',
      content: { from: { email: 'news@example.com', name: 'News' }, subject: 'For {{ name }}', text_body: 'Hello {{ name }}', html_body: '<p>Hello {{ name }}</p>', headers: { 'X-Campaign-Id': '42' },
        attachments: [{ data: Buffer.from('hello').toString('base64'), base64: true, file_name: 'a.txt', content_type: 'text/plain' }] },
      recipients: [{ email: 'c@dest.test', name: '<Eve>' }],
    });
    expect(r.status).toBe(200);
    const text = accepted[0]!.message.getData().toString();
    expect(accepted[0]!.message.getFirstHeader('subject')).toBe('For <Eve>');
    expect(text).toMatch(/&lt;Eve&gt;/);
    expect(text).toMatch(/filename=a\.txt/);
    expect(accepted[0]!.message.getFirstHeader('x-campaign-id')).toBe('42');
  });

  it('reports bad recipients and policy refusals per recipient, and bad bodies by field', async () => {
    const { accepted, post } = await start({
      policy: { http_message_generated: (m) => (m.recipient.startsWith('blocked') ? reject(550, 'blocked by policy', '5.7.1') : undefined) },
    });
    const r = await post({ envelope_sender: 'x@example.com', content: 'Subject: s\n\nb\n', recipients: [{ email: 'ok@dest.test' }, { email: 'not an address' }, { email: 'blocked@dest.test' }] });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ success_count: 1, fail_count: 2, failed_recipients: ['not an address', 'blocked@dest.test'] });
    expect(accepted).toHaveLength(1);
    expect((await post({ content: 'x', recipients: [{ email: 'a@b.test' }] })).body).toMatchObject({ field: 'envelope_sender' });
    expect((await post({ envelope_sender: '', content: 'x', recipients: [] })).body).toMatchObject({ field: 'recipients' });
    expect((await post({ envelope_sender: '', content: 'x', recipients: [{ email: 'a@b.test' }], template_dialect: 'Mustache' })).status).toBe(400);
    const allFailed = await post({ envelope_sender: '', content: 'x', recipients: [{ email: 'nope' }] });
    expect(allFailed.status).toBe(422);
  });
});
