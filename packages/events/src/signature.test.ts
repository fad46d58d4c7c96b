import { describe, expect, it } from 'vitest';
import { signatureHeader, verifySignature } from './signature.js';

describe('webhook signatures', () => {
  const body = '{"event_id":"abc"}';

  it('verifies with either secret during a rotation, and refuses a wrong secret', () => {
    const header = signatureHeader(body, ['new-secret', 'old-secret'], 1_700_000_000);
    expect(verifySignature(body, header, 'new-secret', { nowSeconds: 1_700_000_010 })).toEqual({ ok: true });
    expect(verifySignature(body, header, 'old-secret', { nowSeconds: 1_700_000_010 })).toEqual({ ok: true });
    expect(verifySignature(body, header, 'other', { nowSeconds: 1_700_000_010 })).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses a tampered body, a replay outside the window and a malformed header', () => {
    const header = signatureHeader(body, ['s'], 1_700_000_000);
    expect(verifySignature(body + ' ', header, 's', { nowSeconds: 1_700_000_000 }).ok).toBe(false);
    expect(verifySignature(body, header, 's', { nowSeconds: 1_700_000_301 })).toEqual({ ok: false, reason: 'stale' });
    expect(verifySignature(body, 'v1=00', 's')).toEqual({ ok: false, reason: 'malformed' });
    expect(verifySignature(body, undefined, 's')).toEqual({ ok: false, reason: 'malformed' });
  });
});
