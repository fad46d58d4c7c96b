import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header a webhook request is signed in: `t=<unix seconds>,v1=<hex>[,v1=<hex>]`. */
export const SIGNATURE_HEADER = 'x-mtakit-signature';

/**
 * Signs `${t}.${body}` with HMAC-SHA256, once per live secret: during a rotation both the old and
 * the new secret sign, so a receiver that knows either one accepts the request.
 */
export function signatureHeader(body: string | Uint8Array, secrets: readonly string[], unixSeconds: number): string {
  const parts = [`t=${unixSeconds}`];
  for (const secret of secrets) parts.push(`v1=${hmac(secret, unixSeconds, body)}`);
  return parts.join(',');
}

export type VerifyResult = { ok: true } | { ok: false; reason: 'malformed' | 'stale' | 'mismatch' };

/**
 * Checks a signature header against a raw body. `toleranceSeconds` is the replay window: a request
 * signed longer ago (or further in the future) than that is refused even with a valid signature.
 */
export function verifySignature(
  body: string, header: string | undefined, secret: string,
  options: { toleranceSeconds?: number; nowSeconds?: number } = {},
): VerifyResult {
  const fields = (header ?? '').split(',').map((p) => p.trim().split('='));
  const t = Number(fields.find(([k]) => k === 't')?.[1]);
  const candidates = fields.filter(([k, v]) => k === 'v1' && v).map(([, v]) => v as string);
  if (!Number.isInteger(t) || candidates.length === 0) return { ok: false, reason: 'malformed' };
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (options.toleranceSeconds ?? 300)) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(hmac(secret, t, body), 'hex');
  const ok = candidates.some((c) => {
    const given = Buffer.from(c, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return ok ? { ok: true } : { ok: false, reason: 'mismatch' };
}

/** Over `${t}.${body}`, fed in two parts: a batch body is large, and joining would copy it. */
function hmac(secret: string, t: number, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
}
