import { deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKumoHarness, type KumoHarness } from './harness.js';

// Scenarios ported from KumoMTA's crates/integration-tests (Apache-2.0, KumoCorp): the HTTP
// injection API, from the request to the sink and the log records.
describe('KumoMTA integration scenarios: HTTP injection', () => {
  let h: KumoHarness;
  beforeAll(async () => {
    h = await startKumoHarness({ http: { bodyLimit: 64 * 1024 } });
  });
  afterAll(async () => h?.stop());
  const inject = (payload: unknown, headers: Record<string, string> = {}, raw?: Buffer) =>
    h.api<{ success_count: number; fail_count: number; error?: string }>('POST', '/api/inject/v1', payload, { headers, ...(raw ? { raw } : {}) });
  const compressible = (email: string) => ({
    envelope_sender: 'sender@example.com',
    recipients: [{ email, name: 'Test User' }],
    content: { text_body: 'Hello {{ name }}! This is a compressed message. '.repeat(100), subject: 'Compression Test' },
  });
  const delivered = (to: string) => h.sink.waitFor(() => h.sink.for(to).length === 1);
  const deliveryRecord = (to: string) => waitFor(() => h.records.find((r) => r.type === 'Delivery' && r.recipient === to));

  // Ports http_inject_compression.rs `http_inject_compression_gzip`.
  it('accepts a gzip-compressed request', async () => {
    const r = await inject(undefined, { 'content-encoding': 'gzip' }, gzipSync(JSON.stringify(compressible('gzip@example.com'))));
    expect(r.body).toMatchObject({ success_count: 1, fail_count: 0 });
    await delivered('gzip@example.com');
    expect(h.sink.for('gzip@example.com')[0]?.data.toString()).toMatch(/Hello Test User! This is a compressed message/);
  });

  // Ports http_inject_compression.rs `http_inject_compression_deflate`.
  it('accepts a deflate-compressed request', async () => {
    const r = await inject(undefined, { 'content-encoding': 'deflate' }, deflateSync(JSON.stringify(compressible('deflate@example.com'))));
    expect(r.body).toMatchObject({ success_count: 1, fail_count: 0 });
    await delivered('deflate@example.com');
  });

  // Ports http_inject_compression.rs `http_inject_uncompressed_backward_compatibility`.
  it('still accepts an uncompressed request', async () => {
    expect((await inject(compressible('plain@example.com'))).body).toMatchObject({ success_count: 1, fail_count: 0 });
    await delivered('plain@example.com');
  });

  // Ports http_inject_compression.rs `http_inject_unsupported_compression`.
  it('refuses a Content-Encoding it cannot decode', async () => {
    const r = await inject(undefined, { 'content-encoding': 'brotli' }, Buffer.from('not really brotli'));
    expect(r.status).not.toBe(200);
  });

  // Ports http_inject_size_limit.rs `http_inject_size_limit`.
  it('answers 413 for a body over the limit', async () => {
    const r = await inject({ envelope_sender: 'sender@example.com', recipients: [{ email: 'big@example.com' }], content: { subject: 'big', text_body: 'x'.repeat(100 * 1024) } });
    expect(r.status).toBe(413);
  });

  // Ports http_inject_size_limit.rs `http_inject_size_limit_compressed`: the limit holds for the decoded body.
  it('answers 413 for a compressed body that is over the limit once decoded', async () => {
    const payload = Buffer.from(JSON.stringify({ envelope_sender: 'sender@example.com', recipients: [{ email: 'big@example.com' }], content: { subject: 'big', text_body: 'x'.repeat(1024 * 1024) } }));
    const compressed = gzipSync(payload);
    expect(compressed.length).toBeLessThan(64 * 1024);
    expect((await inject(undefined, { 'content-encoding': 'gzip' }, compressed)).status).toBe(413);
  });

  // Ports http_inject_template_syntax_error.rs `http_inject_template_syntax_error`.
  it('answers 422 for a template syntax error', async () => {
    const r = await inject({ envelope_sender: 'sender@example.com', recipients: [{ email: 'syntax@example.com' }], content: { subject: 'hi', text_body: 'Hello {{ name ' } });
    expect(r.status).toBe(422);
    expect(JSON.stringify(r.body)).toMatch(/text_body/);
  });

  // Ports http_inject_template_syntax_error.rs `http_inject_deferred_template_syntax_error`.
  it('answers 422 for a template syntax error in a deferred request too', async () => {
    const r = await inject({ envelope_sender: 'sender@example.com', deferred_generation: true, recipients: [{ email: 'syntax@example.com' }], content: { text_body: '{% if %}' } });
    expect(r.status).toBe(422);
  });

  // Ports http_inject_deferred.rs `http_inject_deferred`.
  it('accepts a deferred request with zero counts and delivers the generated message', async () => {
    const r = await inject({
      envelope_sender: 'sender@example.com', deferred_generation: true,
      recipients: [{ email: 'deferred@example.com', name: 'Test User' }], content: { subject: 'deferred', text_body: 'Hello {{ name }}! This is a message' },
    });
    expect(r.body).toMatchObject({ success_count: 0, fail_count: 0 });
    await delivered('deferred@example.com');
    const text = h.sink.for('deferred@example.com')[0]?.data.toString();
    expect(text).toMatch(/Hello Test User!/);
    expect(text).toMatch(/This is a message/);
  });

  // Ports http_inject_per_rcpt_metadata.rs `per_recipient_metadata_captured_in_logs`.
  it('keeps per-recipient metadata under extra in the Delivery record', async () => {
    await inject({ envelope_sender: 'sender@example.com', recipients: [{ email: 'meta@example.com', metadata: { campaign: 'promo-2026-q2', segment: 'premium' } }], content: { subject: 's', text_body: 'b' } });
    const record = await deliveryRecord('meta@example.com');
    expect(record.meta['extra']).toEqual({ campaign: 'promo-2026-q2', segment: 'premium' });
  });

  // Ports http_inject_per_rcpt_metadata.rs `per_recipient_metadata_multiple_recipients`.
  it('keeps each recipient’s metadata to its own message', async () => {
    await inject({
      envelope_sender: 'sender@example.com', content: { subject: 's', text_body: 'b' },
      recipients: [{ email: 'm1@example.com', metadata: { user_id: 'u1' } }, { email: 'm2@example.com', metadata: { user_id: 'u2', tier: 'gold' } }],
    });
    const [one, two] = [await deliveryRecord('m1@example.com'), await deliveryRecord('m2@example.com')];
    expect(one.meta['extra']).toEqual({ user_id: 'u1' });
    expect(two.meta['extra']).toEqual({ user_id: 'u2', tier: 'gold' });
  });

  // Ports http_inject_per_rcpt_metadata.rs `absent_metadata_is_not_in_logs`.
  it('adds no extra when a recipient has no metadata', async () => {
    await inject({ envelope_sender: 'sender@example.com', recipients: [{ email: 'nometa@example.com' }], content: { subject: 's', text_body: 'b' } });
    const record = await deliveryRecord('nometa@example.com');
    expect('extra' in record.meta).toBe(false);
  });

  // Ports end_to_end_long_trace_header.rs `end_to_end_long_trace_header`.
  it('folds a long X-KumoRef so the message still relays within SMTP line limits', async () => {
    const token = 'A'.repeat(786);
    const r = await inject({
      envelope_sender: 'sender@example.com', recipients: [{ email: 'longref@example.com', metadata: { token } }],
      trace_headers: { supplemental_header: true, include_meta_names: ['extra'] }, content: { subject: 'Long Trace Header Test', text_body: 'Hello!' },
    });
    expect(r.body).toMatchObject({ success_count: 1 });
    await delivered('longref@example.com');
    const text = h.sink.for('longref@example.com')[0]?.data.toString() as string;
    expect(Math.max(...text.split('\r\n').map((l) => l.length))).toBeLessThanOrEqual(998);
    const folded = /^X-KumoRef: ([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)/m.exec(text)?.[1] as string;
    expect(JSON.parse(Buffer.from(folded.replace(/\s+/g, ''), 'base64').toString())).toEqual({ '_@_': '\\_/', recipient: 'longref@example.com', extra: { token } });
  });
});

async function waitFor<T>(find: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('waited in vain');
    await new Promise((r) => setTimeout(r, 25));
  }
}
