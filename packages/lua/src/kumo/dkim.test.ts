import { createHash, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { Message } from '@mtakit/core';
import { FakeClock } from '@mtakit/core/testing';
import DKIM from 'nodemailer/lib/dkim';
import { describe, expect, it } from 'vitest';
import { loadLuaPolicy } from '../host.js';
import { tempDir } from '../test-support.js';
import { signMessage, type DkimSignOptions } from './dkim.js';

/**
 * A DKIM verifier written for the tests, independently of dkim.ts, and itself checked against
 * nodemailer's signer: if both agree, our signatures verify.
 */
function verifyDkim(data: Buffer, publicKey: KeyObject): { body: boolean; signature: boolean } {
  const text = data.toString('latin1').replace(/\r?\n/g, '\r\n');
  const split = text.indexOf('\r\n\r\n');
  const fields = text.slice(0, split).split(/\r\n(?![ \t])/).map((f) => `${f}\r\n`);
  const body = text.slice(split + 4);
  const signatureField = fields.find((f) => /^dkim-signature\s*:/i.test(f));
  if (!signatureField) throw new Error('no DKIM-Signature');
  const tags = new Map<string, string>();
  for (const tag of signatureField.slice(signatureField.indexOf(':') + 1).split(';')) {
    const eq = tag.indexOf('=');
    if (eq > 0) tags.set(tag.slice(0, eq).trim(), tag.slice(eq + 1).replace(/\s+/g, ''));
  }
  const [headerCanon, bodyCanon = 'simple'] = (tags.get('c') ?? 'simple/simple').split('/');

  let canonBody = body;
  if (bodyCanon === 'relaxed') canonBody = canonBody.replace(/[ \t]+/g, ' ').replace(/ \r\n/g, '\r\n');
  canonBody = canonBody.replace(/(\r\n)+$/, '');
  canonBody = canonBody === '' ? (bodyCanon === 'simple' ? '\r\n' : '') : `${canonBody}\r\n`;
  const bodyOk = createHash('sha256').update(canonBody, 'latin1').digest('base64') === tags.get('bh');

  const canonHeader = (field: string): string => {
    if (headerCanon === 'simple') return field;
    const colon = field.indexOf(':');
    return `${field.slice(0, colon).trim().toLowerCase()}:${field.slice(colon + 1).replace(/\r\n/g, '').replace(/[ \t]+/g, ' ').trim()}\r\n`;
  };
  const others = fields.filter((f) => f !== signatureField);
  const used = new Set<number>();
  let signed = '';
  for (const name of (tags.get('h') ?? '').toLowerCase().split(':')) {
    for (let i = others.length - 1; i >= 0; i--) {
      const field = others[i] as string;
      if (!used.has(i) && field.slice(0, field.indexOf(':')).trim().toLowerCase() === name) {
        used.add(i);
        signed += canonHeader(field);
        break;
      }
    }
  }
  signed += canonHeader(signatureField.replace(/(^|;)(\s*b\s*=)[^;]*/, '$1$2')).replace(/\r\n$/, '');
  const signature = Buffer.from(tags.get('b') ?? '', 'base64');
  const ok = tags.get('a') === 'ed25519-sha256'
    ? verify(null, createHash('sha256').update(signed, 'latin1').digest(), publicKey, signature)
    : verify('sha256', Buffer.from(signed, 'latin1'), publicKey, signature);
  return { body: bodyOk, signature: ok };
}

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ed25519 = generateKeyPairSync('ed25519');
const MESSAGE = Buffer.from(
  'From: "Alice Example" <alice@example.com>\r\nTo: bob@example.net\r\nSubject:   Quarterly   report \r\n' +
  '\tcontinued\r\nDate: Thu, 1 Jan 2026 00:00:00 +0000\r\nMessage-ID: <1@example.com>\r\n\r\n' +
  'Hello  Bob, \r\n\r\nsee you\t soon.\r\n\r\n\r\n',
);

const options = (overrides: Partial<DkimSignOptions> = {}): DkimSignOptions => ({
  domain: 'example.com', selector: 's1', headers: ['From', 'To', 'Subject', 'Date', 'Message-ID'], privateKey: rsa.privateKey,
  algorithm: 'rsa-sha256', headerCanonicalization: 'relaxed', bodyCanonicalization: 'relaxed', overSign: false, timestamp: 1767225600,
  ...overrides,
});

async function nodemailerSigned(data: Buffer): Promise<Buffer> {
  const pem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const stream = new DKIM({ domainName: 'example.com', keySelector: 'nm', privateKey: pem }).sign(data);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

describe('DKIM signing', () => {
  it("the test verifier accepts nodemailer's signature and rejects a tampered copy", async () => {
    const signed = await nodemailerSigned(MESSAGE);
    expect(verifyDkim(signed, rsa.publicKey)).toEqual({ body: true, signature: true });
    const tampered = Buffer.from(signed.toString('latin1').replace('Quarterly', 'Annual'), 'latin1');
    expect(verifyDkim(tampered, rsa.publicKey).signature).toBe(false);
  });

  it.each([
    ['relaxed/relaxed', options()],
    ['simple/simple', options({ headerCanonicalization: 'simple', bodyCanonicalization: 'simple' })],
    ['over-signed', options({ overSign: true })],
    ['ed25519', options({ algorithm: 'ed25519-sha256', privateKey: ed25519.privateKey })],
  ])('%s signatures verify, and fail once the message changes', (_name, opts) => {
    const publicKey = opts.algorithm === 'ed25519-sha256' ? ed25519.publicKey : rsa.publicKey;
    const signed = signMessage(MESSAGE, opts);
    expect(verifyDkim(signed, publicKey)).toEqual({ body: true, signature: true });
    expect(verifyDkim(Buffer.concat([signed, Buffer.from('P.S.\r\n')]), publicKey).body).toBe(false);
    const tampered = Buffer.from(signed.toString('latin1').replace('bob@example.net', 'eve@example.net'), 'latin1');
    expect(verifyDkim(tampered, publicKey).signature).toBe(false);
  });

  it('over-signing lists each header once more than it occurs', () => {
    const field = signMessage(MESSAGE, options({ overSign: true, headers: ['From', 'Reply-To'] })).toString('latin1');
    expect(field).toMatch(/h=from:from:reply-to;/);
  });

  it('a signer refuses a key of the wrong type', async () => {
    const pem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const error = await loadLuaPolicy({
      source: `kumo.dkim.ed25519_signer { domain = 'example.com', selector = 's', headers = { 'From' }, key = { key_data = [[${pem}]] } }`,
      logger: () => undefined,
    }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/kumo\.dkim\.ed25519_signer: invalid config kumo\.dkim\.ed25519_signer\.key="\(key\)": is a rsa key, kumo\.dkim\.ed25519_signer needs ed25519/);
  });

  it('msg:dkim_sign from Lua, with a key file from an allowed directory', async () => {
    const dir = tempDir({
      'init.lua': `
        kumo.on('smtp_server_message_received', function(msg)
          local signer = kumo.dkim.rsa_sha256_signer {
            domain = msg:from_header().domain, selector = 'default', headers = { 'From', 'To', 'Subject' }, key = 'keys/example.com.pem',
          }
          msg:dkim_sign(signer)
        end)`,
      'keys/example.com.pem': rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    });
    const clock = new FakeClock(Date.UTC(2026, 5, 1));
    const host = await loadLuaPolicy({ file: join(dir, 'init.lua'), clock, logger: () => undefined });
    const msg = new Message({ sender: 'alice@example.com', recipient: 'bob@example.net', data: MESSAGE });
    await host.policy.smtp_server_message_received(msg, {});
    const signed = msg.getData();
    expect(signed.toString('latin1')).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=example\.com; s=default;\r\n\tt=1780272000;/);
    expect(verifyDkim(signed, rsa.publicKey)).toEqual({ body: true, signature: true });
  });
});
