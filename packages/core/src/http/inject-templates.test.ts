import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCidr } from '../dns/cidr.js';
import type { AcceptedMessage } from '../contracts/accepted.js';
import { registerInjectRoute } from './inject.js';
import { HttpListener } from './listener.js';

const listeners: HttpListener[] = [];
afterAll(() => Promise.all(listeners.map((l) => l.close())));

async function start() {
  const accepted: AcceptedMessage[] = [];
  const warnings: string[] = [];
  const http = new HttpListener({ port: 0, trustedHosts: [parseCidr('127.0.0.0/8')] });
  registerInjectRoute(http, { accept: async (m) => void accepted.push(...m), logger: (_l, m) => void warnings.push(m) });
  listeners.push(http);
  const { port } = await http.listen();
  const post = async (body: unknown, init: { gzip?: boolean } = {}) => {
    const json = Buffer.from(JSON.stringify(body));
    const r = await fetch(`http://127.0.0.1:${port}/api/inject/v1`, {
      method: 'POST', body: init.gzip ? gzipSync(json) : json, headers: { 'content-type': 'application/json', ...(init.gzip ? { 'content-encoding': 'gzip' } : {}) },
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const text = (i: number) => accepted[i]!.message.getData().toString();
  return { accepted, warnings, post, text };
}

describe('injection templates and KumoMTA request fields (over HTTP)', () => {
  it('renders Jinja by default (MiniJinja: if, for, filters, pycompat methods), escaping HTML only in html_body', async () => {
    const { post, text } = await start();
    const r = await post({
      envelope_sender: 'news@example.com',
      content: {
        subject: 'Hi {{ name|title }}{% if vip %} (VIP){% endif %}',
        text_body: '{% for item in items %}{{ loop.index }}={{ item|upper }} {% endfor %}{{ "a,b".split(",")|join("+") }} {{ name }}',
        html_body: '<p>{{ name }}</p>',
      },
      substitutions: { items: ['x', 'y'] },
      recipients: [{ email: 'ann@dest.test', name: 'ann <x>', substitutions: { vip: true } }],
    });
    expect(r).toMatchObject({ status: 200, body: { success_count: 1 } });
    expect(text(0)).toMatch(/^Subject: Hi Ann <X> \(VIP\)\r$/m);
    expect(text(0)).toMatch(/1=X 2=Y a\+b ann <x>/);
    expect(text(0)).toMatch(/<p>ann &lt;x&gt;<\/p>/);
  });

  it('renders Handlebars when asked, escaping only HTML parts', async () => {
    const { post, text } = await start();
    const r = await post({
      envelope_sender: 'news@example.com', template_dialect: 'Handlebars',
      content: { subject: 'Hi {{name}}{{#if vip}} VIP{{/if}}', text_body: '{{#each items}}[{{this}}]{{/each}} {{name}}', html_body: '<b>{{name}}</b>' },
      recipients: [{ email: 'b@dest.test', name: 'B&B', substitutions: { vip: true, items: [1, 2] } }],
    });
    expect(r.status).toBe(200);
    expect(text(0)).toMatch(/^Subject: Hi B&B VIP\r$/m);
    expect(text(0)).toMatch(/\[1\]\[2\] B&B/);
    expect(text(0)).toMatch(/<b>B&amp;B<\/b>/);
  });

  it('answers 422 for a template that does not parse, in either dialect and when deferred, and generates nothing', async () => {
    const { accepted, post } = await start();
    const jinja = await post({ envelope_sender: 's@example.com', content: { text_body: 'Hello {% if %}' }, recipients: [{ email: 'a@dest.test' }] });
    expect(jinja).toMatchObject({ status: 422, body: { error: expect.stringMatching(/failed parsing field 'text_body' as template/) } });
    const hb = await post({ envelope_sender: 's@example.com', template_dialect: 'Handlebars', content: 'Subject: {{#if}}\n\nx', recipients: [{ email: 'a@dest.test' }] });
    expect(hb.status).toBe(422);
    const deferred = await post({ envelope_sender: 's@example.com', deferred_generation: true, content: { text_body: '{{ unclosed' }, recipients: [{ email: 'a@dest.test' }] });
    expect(deferred.status).toBe(422);
    expect((await post({ envelope_sender: 's@example.com', content: { subject: 'no body' }, recipients: [{ email: 'a@dest.test' }] })).status).toBe(422);
    expect(accepted).toHaveLength(0);
  });

  it('builds without a from (KumoMTA has no default), with amp_html_body, a To from the recipient or to_header, and X-KumoRef', async () => {
    const { accepted, post, text } = await start();
    const r = await post({
      envelope_sender: 's@example.com',
      content: { text_body: 'plain', html_body: '<p>html</p>', amp_html_body: '<html ⚡4email><body>{{ name }}</body></html>' },
      recipients: [{ email: 'joe@dest.test', name: 'Joe Bloggs' }],
      trace_headers: { include_meta_names: ['extra'] },
    });
    expect(r.status).toBe(200);
    expect(text(0)).not.toMatch(/^From:/m);
    expect(text(0)).toMatch(/^To: Joe Bloggs <joe@dest\.test>\r$/m);
    expect(text(0)).toMatch(/Content-Type: text\/x-amp-html/);
    const ref = accepted[0]!.message.getFirstHeader('x-kumoref') as string;
    expect(JSON.parse(Buffer.from(ref, 'base64').toString())).toEqual({ '_@_': '\\_/', recipient: 'joe@dest.test' });

    await post({
      envelope_sender: 's@example.com', content: { text_body: 'x', headers: { To: '{{ to_header }}', 'X-List': 'for {{ email }}' } },
      recipients: [{ email: 'kim@dest.test', name: 'Kim', metadata: { list: 'l1' } }], trace_headers: { header_name: 'X-Ref', include_meta_names: ['extra'] },
    });
    expect(text(1)).toMatch(/^To: Kim <kim@dest\.test>\r$/m);
    expect(text(1).match(/^To:/gm)).toHaveLength(1);
    expect(accepted[1]!.message.getFirstHeader('x-list')).toBe('for kim@dest.test');
    expect(JSON.parse(Buffer.from(accepted[1]!.message.getFirstHeader('x-ref') as string, 'base64').toString())).toEqual({ '_@_': '\\_/', recipient: 'kim@dest.test', extra: { list: 'l1' } });
    await post({ envelope_sender: 's@example.com', content: 'Subject: s\n\nb', recipients: [{ email: 'n@dest.test' }], trace_headers: { supplemental_header: false } });
    expect(accepted[2]!.message.getFirstHeader('x-kumoref')).toBeUndefined();
  });

  it('accepts a gzip-compressed body and stores per-recipient metadata under extra', async () => {
    const { accepted, post } = await start();
    const r = await post({
      envelope_sender: 's@example.com',
      content: { subject: 'Compression Test', text_body: 'Hello {{ name }}! This is a compressed message. '.repeat(100) },
      recipients: [{ email: 'user@example.com', name: 'Test User', metadata: { customer_id: 42, tier: 'gold' } }, { email: 'other@example.com', metadata: {} }],
    }, { gzip: true });
    expect(r).toMatchObject({ status: 200, body: { success_count: 2, fail_count: 0 } });
    expect(accepted[0]!.message.meta['extra']).toEqual({ customer_id: 42, tier: 'gold' });
    expect(accepted[1]!.message.meta['extra']).toBeUndefined();
    expect(accepted[0]!.message.getData().toString()).toMatch(/Hello Test User! This is a compressed/);
  });

  it('answers a deferred_generation request at once with zero counts and generates afterwards', async () => {
    const { accepted, warnings, post } = await start();
    const r = await post({
      envelope_sender: 's@example.com', deferred_generation: true,
      content: { subject: 'later', text_body: 'Hello {{ name }}! This is a message' }, recipients: [{ email: 'a@dest.test', name: 'Test User' }, { email: 'not an address' }],
    });
    expect(r).toEqual({ status: 200, body: { success_count: 0, fail_count: 0, failed_recipients: [], errors: [] } });
    await expect.poll(() => accepted.length).toBe(1);
    expect(accepted[0]!.message.getData().toString()).toMatch(/Hello Test User! This is a message/);
    await expect.poll(() => warnings.join('\n')).toMatch(/deferred injection: 1 of 2 recipients failed/);
  });

  it('stops a template that loops too long, for that recipient only', async () => {
    const { post } = await start();
    const r = await post({ envelope_sender: 's@example.com', content: { text_body: '{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}' }, recipients: [{ email: 'a@dest.test' }] });
    expect(r.body).toMatchObject({ success_count: 0, fail_count: 1, errors: [expect.stringMatching(/fuel/)] });
  });
});
