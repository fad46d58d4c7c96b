import { describe, expect, it } from 'vitest';
import { ConfigError, hasErrorBrand, MtaKitError, SmtpReplyError } from './errors.js';

describe('error brands', () => {
  it('recognise errors of a second copy of the module by class, not by name', async () => {
    const specifier = './errors.ts?second-copy';
    const copy = (await import(specifier)) as typeof import('./errors.js');
    expect(copy.MtaKitError).not.toBe(MtaKitError);
    const reply = new copy.SmtpReplyError(550, '5.7.1', 'no');
    expect(reply instanceof SmtpReplyError).toBe(true);
    expect(reply instanceof MtaKitError).toBe(true);
    expect(reply instanceof ConfigError).toBe(false);
    const config = new copy.ConfigError('a.b', 1, 'bad');
    expect(config instanceof ConfigError).toBe(true);
    expect(config instanceof SmtpReplyError).toBe(false);
    const plain = new copy.MtaKitError('E_SPOOL', 'x');
    expect(plain instanceof MtaKitError).toBe(true);
    expect(plain instanceof SmtpReplyError).toBe(false);
  });

  it('does not take a look-alike without the brand, and keeps ordinary subclassing', () => {
    expect({ code: 'E_SMTP_REPLY', basic: 550 } instanceof SmtpReplyError).toBe(false);
    expect(new Error('x') instanceof MtaKitError).toBe(false);
    class Local extends MtaKitError {}
    const local = new Local('E_POLICY', 'x');
    expect(local instanceof Local).toBe(true);
    expect(new MtaKitError('E_POLICY', 'x') instanceof Local).toBe(false);
    expect(hasErrorBrand(local, 'mtakit.MtaKitError')).toBe(true);
    expect(hasErrorBrand(new SmtpReplyError(451, '4.3.0', 'x'), 'mtakit.SmtpReplyError')).toBe(true);
  });
});
