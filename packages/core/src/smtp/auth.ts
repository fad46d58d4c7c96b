import { createHash, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuthFailureLimiter } from '../auth/failure-limiter.js';
import type { MtaMetrics } from '../metrics/index.js';
import type { AuthInfo, ConnectionMeta, Policy } from '../policy/events.js';
import { replyError } from './replies.js';

export interface SmtpAuthOptions {
  /** username → { password, tenant }: per-tenant credentials (checked before the policy's hook). */
  credentials?: ReadonlyMap<string, { password: string; tenant?: string }> | undefined;
  policy?: Policy | undefined;
  /** Slows and locks guessing across connections; shared with the HTTP listener's Basic auth. */
  limiter?: AuthFailureLimiter | undefined;
  metrics?: MtaMetrics | undefined;
}

/** Wrong passwords a session may send before it is closed (the limiter also counts them across sessions). */
const FAILURES_PER_SESSION = 3;

/**
 * SMTP AUTH PLAIN/LOGIN: configured credentials first, then `smtp_server_auth_plain`. Resolves
 * with who the client is, or rejects with the reply: 535 5.7.8 for a wrong password (after the
 * limiter's delay), 421 4.7.0 on the session's third, 454 4.7.0 while the address or the user
 * name is locked out, whatever the password.
 */
export async function authenticate(user: string, password: string, ip: string, conn: ConnectionMeta, failures: number, options: SmtpAuthOptions, service: string): Promise<AuthInfo> {
  const keys = [`ip:${ip}`, `user:${user.toLowerCase()}`];
  if (options.limiter?.check(keys).locked) {
    options.metrics?.authFailures.inc({ service, outcome: 'locked' });
    throw replyError(454, '4.7.0', 'Too many failed authentication attempts, try again later');
  }
  const info = await verify(user, password, conn, options);
  if (info) {
    options.limiter?.success(keys);
    return info;
  }
  options.metrics?.authFailures.inc({ service, outcome: 'wrong' });
  const verdict = options.limiter?.failure(keys);
  for (const key of verdict?.lockedNow ?? []) options.metrics?.authLockouts.inc({ service, scope: key.slice(0, key.indexOf(':')) });
  if (verdict && verdict.delayMs > 0) await sleep(verdict.delayMs);
  if (failures + 1 >= FAILURES_PER_SESSION) throw replyError(421, '4.7.0', 'Too many failed authentication attempts');
  throw replyError(535, '5.7.8', 'Authentication credentials invalid');
}

async function verify(user: string, password: string, conn: ConnectionMeta, options: SmtpAuthOptions): Promise<AuthInfo | undefined> {
  const known = options.credentials?.get(user);
  if (known) return constantTimeEqual(known.password, password) ? { identity: user, ...(known.tenant ? { tenant: known.tenant } : {}) } : undefined;
  const r = await options.policy?.smtp_server_auth_plain?.('', user, password, conn);
  if (r === true) return { identity: user };
  return r && typeof r === 'object' ? r : undefined;
}

/** Compares secrets without leaking their length or content through timing. */
export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
