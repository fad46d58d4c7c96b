import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { Message } from '@mtakit/core';
import { describe, expect, it } from 'vitest';
import { loadSource, message, tempDir } from '../test-support.js';

describe('envelope addresses are objects, as in KumoMTA', () => {
  it('msg:sender() and msg:recipient() have user, domain, email and tostring; set_sender takes either form', async () => {
    const { host } = await loadSource(`kumo.on('smtp_server_message_received', function(msg)
      local s, r = msg:sender(), msg:recipient()
      msg:set_meta('seen', table.concat({ s.user, s.domain, s.email, tostring(r), r.domain }, ' '))
      msg:set_sender(r)
    end)`);
    const msg = message(['From: a@example.org'], {}, 'Rcpt@Example.com');
    await host.policy.smtp_server_message_received(msg, {});
    expect(msg.getMeta('seen')).toBe('sender example.org sender@example.org Rcpt@Example.com Example.com');
    expect(msg.sender).toBe('Rcpt@Example.com');
  });

  it('smtp_server_mail_from and rcpt_to receive envelope objects and conn answers get_meta', async () => {
    const seen: string[] = [];
    const { host } = await loadSource(`
kumo.on('smtp_server_mail_from', function(sender, conn) kumo.log_info(sender.domain .. ' ' .. conn:get_meta('received_from')) end)
kumo.on('smtp_server_rcpt_to', function(rcpt) if rcpt.user == 'nobody' then kumo.reject(550, '5.1.1 no such user') end end)`, {
      logger: (e) => seen.push(e.message),
    });
    await host.policy.smtp_server_mail_from('x@mail.example', { received_from: '127.0.0.1:4242' });
    expect(seen).toEqual(['mail.example 127.0.0.1:4242']);
    await expect(host.policy.smtp_server_rcpt_to('nobody@example.com', {})).rejects.toMatchObject({ message: expect.stringMatching(/no such user/) });
    await expect(host.policy.smtp_server_rcpt_to('somebody@example.com', {})).resolves.toBeUndefined();
  });
});

describe('policy-extras.policy_utils', () => {
  it('has KumoMTA\'s helpers, checked with its own assert_eq', async () => {
    await expect(loadSource(`local u = require 'policy-extras.policy_utils'
local t = { a = 1 }
u.merge_into({ b = 2 }, t)
u.assert_eq(t, { a = 1, b = 2 }, 'merge_into')
local n = { x = { a = 1 } }
u.recursive_merge_into({ x = { b = 2 } }, n)
u.assert_eq(n, { x = { a = 1, b = 2 } }, 'recursive_merge_into')
u.assert_eq({ u.table_contains({ 'a', 'b' }, 'b'), u.table_contains({ 'a' }, nil), u.table_is_empty({}) }, { true, false, true }, 'tables')
u.assert_eq({ u.split_ip_port('[::1]:25') }, { '::1', '25' }, 'split_ip_port v6')
u.assert_eq({ u.split_ip_port('10.0.0.1:587') }, { '10.0.0.1', '587' }, 'split_ip_port v4')
u.assert_eq({ u.starts_with('kumomta', 'kumo'), u.ends_with('kumomta', 'mta'), u.ends_with('kumomta', 'x') }, { true, true, false }, 'affixes')
u.assert_eq(u.dumps({ foo = 'bar', n = 1 }), '{\\n  ["foo"] = "bar",\\n  ["n"] = 1\\n}', 'dumps')
u.assert_ne({ 1 }, { 2 }, 'assert_ne')
u.assert_matches('user@example.com', '@example%.com$', 'assert_matches')
`)).resolves.toBeDefined();
  });

  it('assert_eq fails with both values', async () => {
    await expect(loadSource("local u = require 'policy-extras.policy_utils' u.assert_eq(1, 2, 'one is two')")).rejects.toThrow(/one is two: 1 ~= 2/);
  });
});

describe('policy-extras.listener_domains', () => {
  const dir = tempDir({
    'listener_domains.toml': `["*"]\nlog_oob = true\n["example.com"]\nrelay_to = true\n["*.example.com"]\nlog_arf = true\n["www.example.com"]\nrelay_to = false\n[listener."127.0.0.1:25"."*.example.com"]\nlog_oob = false\n`,
  });
  const policy = `local listener_domains = require 'policy-extras.listener_domains'
kumo.on('get_listener_domain', listener_domains:setup { '/cfg/listener_domains.toml' })`;

  it('exact names, then wildcards, then *, per listener first', async () => {
    const { host } = await loadSource(policy, { pathMap: { '/cfg': dir } });
    const ask = (domain: string, listener = '0.0.0.0:25') => host.policy.get_listener_domain(domain, listener, {});
    expect(await ask('example.com')).toMatchObject({ relay_to: true });
    expect(await ask('a.b.example.com')).toEqual({ log_arf: true });
    expect(await ask('www.example.com')).toMatchObject({ relay_to: false });
    expect(await ask('elsewhere.test')).toMatchObject({ log_oob: true });
    expect(await ask('mx.example.com', '127.0.0.1:25')).toMatchObject({ log_oob: false });
  });
});

describe('policy-extras.dkim_sign', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const ed = generateKeyPairSync('ed25519');
  const pem = (k: typeof rsa.privateKey) => k.export({ type: 'pkcs8', format: 'pem' }).toString();
  const dir = tempDir({
    'dkim_data.toml': `[base]\nselector = "s1"\nheaders = ["From", "Subject"]\nadditional_signatures = ["esp"]\n[domain."example.com"]\n[domain."ed.example.com"]\nselector = "ed"\nalgo = "ed25519"\n[signature."esp"]\ndomain = "esp.example"\npolicy = "OnlyIfMissingDomainBlock"\n`,
    'keys/example.com/s1.key': pem(rsa.privateKey),
    'keys/ed.example.com/ed.key': pem(ed.privateKey),
    'keys/esp.example/s1.key': pem(rsa.privateKey),
  });
  const policy = `local dkim_sign = require 'policy-extras.dkim_sign'
local signer = dkim_sign:setup { '/opt/kumomta/etc/policy/dkim_data.toml' }
kumo.on('smtp_server_message_received', function(msg) signer(msg) end)`;

  async function sign(from: string): Promise<string> {
    const { host } = await loadSource(policy, { pathMap: { '/opt/kumomta/etc/policy': dir, '/opt/kumomta/etc/dkim': join(dir, 'keys') } });
    const msg = new Message({ sender: 's@x.test', recipient: 'r@y.test', data: Buffer.from(`From: ${from}\r\nSubject: hi\r\n\r\nbody\r\n`) });
    await host.policy.smtp_server_message_received(msg, {});
    return msg.getData().toString();
  }

  it('signs with the sender domain key (RSA or Ed25519) from the default key path, else with the ESP signature', async () => {
    expect(await sign('a@example.com')).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example\.com; s=s1;/);
    expect(await sign('a@ed.example.com')).toMatch(/^DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed\/relaxed; d=ed\.example\.com; s=ed;/);
    const esp = await sign('a@other.test');
    expect(esp).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=esp\.example; s=s1;/);
  });

  it('refuses Vault settings and unknown options at load, naming them', async () => {
    const bad = tempDir({ 'd.toml': '[base]\nvault_mount = "secret"\n', 'e.toml': '[domain."x.test"]\nselector = "s"\nalgo = "md5"\n' });
    await expect(loadSource(`require('policy-extras.dkim_sign'):setup { '/p/d.toml' }`, { pathMap: { '/p': bad } })).rejects.toThrow(/vault_mount is not supported/);
    await expect(loadSource(`require('policy-extras.dkim_sign'):setup { '/p/e.toml' }`, { pathMap: { '/p': bad } })).rejects.toThrow(/invalid algo 'md5' in domain 'x\.test'/);
  });
});

describe('policy-extras.queue routing_domain', () => {
  it('sets the routing_domain meta of mail for the domain, and keeps it out of the queue config', async () => {
    const dir = tempDir({ 'queues.toml': "[queue.'my.own.hostname']\nrouting_domain = '[10.0.0.1]'\nmax_age = '1 hour'\n" });
    const { host } = await loadSource(`local q = require('policy-extras.queue'):setup { '/p/queues.toml' }
kumo.on('smtp_server_message_received', function(msg) q:apply(msg) end)`, { pathMap: { '/p': dir } });
    const msg = message([], {}, 'user@my.own.hostname');
    await host.policy.smtp_server_message_received(msg, {});
    expect(msg.getMeta('routing_domain')).toBe('[10.0.0.1]');
    expect(await host.policy.get_queue_config('my.own.hostname', undefined, undefined, '[10.0.0.1]')).toEqual({ max_age: '1 hour' });
  });
});

describe('msg:check_fix_conformance', () => {
  it('reports what it cannot fix and fixes what it is asked to', async () => {
    const { host } = await loadSource(`kumo.on('smtp_server_message_received', function(msg)
      msg:set_meta('result', msg:check_fix_conformance('NON_CANONICAL_LINE_ENDINGS', 'MISSING_DATE_HEADER|MISSING_MESSAGE_ID_HEADER') or 'ok')
    end)`);
    const bare = new Message({ sender: 's@x.test', recipient: 'r@y.test', data: Buffer.from('Subject: a\nFrom: s@x.test\n\nbody\n') });
    await host.policy.smtp_server_message_received(bare, {});
    expect(bare.getMeta('result')).toBe('Message has conformance issues: NON_CANONICAL_LINE_ENDINGS');
    const good = new Message({ sender: 's@x.test', recipient: 'r@y.test', data: Buffer.from('Subject: a\r\n\r\nbody\r\n') });
    await host.policy.smtp_server_message_received(good, {});
    expect(good.getMeta('result')).toBe('ok');
    expect(good.getFirstHeader('Date')).toBeDefined();
    expect(good.getFirstHeader('Message-ID')).toMatch(/^<.+@x\.test>$/);
  });
});
