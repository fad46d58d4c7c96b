import { describe, expect, it } from 'vitest';
import { loadSource, message } from '../test-support.js';

/** Runs `body` as an smtp_server_message_received handler on a message and returns it. */
async function received(body: string, headers: string[], meta: Record<string, string> = {}) {
  const { host } = await loadSource(`kumo.on('smtp_server_message_received', function(msg, conn)\n${body}\nend)`);
  const msg = message(headers, meta);
  await host.policy.smtp_server_message_received(msg, { received_from: '192.0.2.1' });
  return msg;
}

describe('Message methods', () => {
  it('identity, envelope and meta', async () => {
    const msg = await received(
      `msg:set_meta('summary', table.concat({ msg:id(), tostring(msg:sender()), msg:recipient().email, msg:queue_name(), tostring(msg:num_attempts()), conn.received_from }, ' '))
       msg:set_meta('tenant', 'acme')
       msg:set_meta('numbers', { 1, 2, 3 })
       msg:set_meta('drop', nil)
       msg:set_sender('bounces@example.org')
       msg:increment_num_attempts()`,
      [],
      { drop: 'me' },
    );
    expect(msg.meta['summary']).toBe(`${msg.id} sender@example.org rcpt@example.com example.com 0 192.0.2.1`);
    expect(msg.meta).toMatchObject({ tenant: 'acme', numbers: [1, 2, 3] });
    expect(msg.meta).not.toHaveProperty('drop');
    expect(msg.sender).toBe('bounces@example.org');
    expect(msg.numAttempts).toBe(1);
  });

  it('header access and editing', async () => {
    const msg = await received(
      `msg:set_meta('first', msg:get_first_named_header_value('received'))
       msg:set_meta('all', msg:get_all_named_header_values('Received'))
       msg:set_meta('from', msg:from_header())
       msg:append_header('X-Appended', 'yes')
       msg:prepend_header('X-Prepended', 'first')
       msg:remove_all_named_headers('Received')
       msg:import_x_headers { 'x-campaign' }
       msg:remove_x_headers { 'X-Tenant', 'x-campaign' }`,
      ['Received: from a', 'Received: from b', 'From: "Alice" <Alice@Example.COM>', 'X-Tenant: acme', 'X-Campaign: spring', 'X-Keep: 1'],
    );
    expect(msg.meta).toMatchObject({
      first: 'from a',
      all: ['from a', 'from b'],
      from: { email: 'Alice@Example.COM', name: 'Alice', user: 'Alice', domain: 'example.com' },
      x_campaign: 'spring',
    });
    expect(msg.headers().map(([name]) => name)).toEqual(['X-Prepended', 'From', 'X-Keep', 'Subject', 'X-Appended']);
  });

  it('remove_x_headers without names removes every X- header', async () => {
    const msg = await received('msg:remove_x_headers()', ['X-One: 1', 'x-two: 2', 'Xylophone: 3']);
    expect(msg.headers().map(([name]) => name)).toEqual(['Xylophone', 'Subject']);
  });

  it('numbers beyond 32 bits survive the trip (as floats in fengari)', async () => {
    const { host } = await loadSource("kumo.on('smtp_server_message_received', function(msg) msg:set_meta('next', msg:get_meta('ts') + 1) end)");
    const msg = message([]);
    msg.setMeta('ts', 1_767_225_600_000);
    await host.policy.smtp_server_message_received(msg, {});
    expect(msg.meta['next']).toBe(1_767_225_600_001);
  });

  it('get_data and set_data carry bytes unchanged', async () => {
    const msg = await received("msg:set_data(msg:get_data() .. 'P.S. caf\\xc3\\xa9\\r\\n')", []);
    expect(msg.getData().toString('utf8')).toBe('Subject: test\r\n\r\nHello\r\nP.S. café\r\n');
  });

  it('wrong arguments are reported with the method name', async () => {
    const { host } = await loadSource("kumo.on('smtp_server_message_received', function(msg) msg:set_meta({}, 1) end)");
    await expect(host.policy.smtp_server_message_received(message([]), {})).rejects.toThrow(
      /policy\.lua:1: msg:set_meta: key must be a string, not table/,
    );
  });
});
