import type { Histogram } from 'prom-client';
import { AuthFailureLimiter } from '../auth/failure-limiter.js';
import { systemClock } from '../clock.js';
import type { Logger } from '../contracts/logger.js';
import type { HttpListenerOptions } from '../http/listener.js';
import type { MtaMetrics } from '../metrics/index.js';
import type { Policy } from '../policy/events.js';

type AnyHandler = (...args: unknown[]) => unknown;

/** The policy with every hook call timed into `latency` (KumoMTA's `lua_event_latency`, by event). */
export function timedPolicy(policy: Policy, latency: Histogram<'event'>): Policy {
  const timed: Record<string, AnyHandler> = {};
  for (const [event, handler] of Object.entries(policy) as Array<[string, AnyHandler | undefined]>) {
    if (typeof handler !== 'function') continue;
    // The event's labelled child, made once: startTimer builds a closure, an hrtime pair and a
    // labels object per call, and several hooks run for every message.
    const { observe } = latency.labels({ event });
    timed[event] = async (...args) => {
      const started = performance.now();
      try {
        return await handler(...args);
      } finally {
        observe((performance.now() - started) / 1000);
      }
    };
  }
  return timed as Policy;
}

/**
 * HTTP Basic credentials: the application's validator first, then the policy's
 * `http_server_validate_auth_basic`; none of them = only trusted hosts get in.
 */
export function basicAuthValidator(given: HttpListenerOptions['validateBasic'], policy: Policy): HttpListenerOptions['validateBasic'] {
  const hook = policy.http_server_validate_auth_basic;
  if (!hook) return given;
  if (!given) return (user, password) => hook(user, password);
  return async (user, password) => (await given(user, password)) || hook(user, password);
}

/**
 * One password-guessing limiter for SMTP AUTH and HTTP Basic, so guesses on either count
 * together: the one given to either listener's options serves both (each may still say `false`
 * or bring its own), else a default one. HTTP failures and lockouts are counted in the same
 * metrics as SMTP's, and lockouts logged.
 */
export function sharedAuthLimiter(smtp: { authLimiter?: AuthFailureLimiter | false } | false | undefined, http: Pick<HttpListenerOptions, 'authLimiter' | 'onAuthFailure'> | false | undefined, metrics: MtaMetrics, logger: Logger) {
  const smtpGiven = smtp ? smtp.authLimiter : undefined;
  const httpGiven = http ? http.authLimiter : undefined;
  const shared = smtpGiven || httpGiven || new AuthFailureLimiter({ clock: systemClock });
  const pick = (given: AuthFailureLimiter | false | undefined) => (given === undefined ? shared : given);
  const onAuthFailure: HttpListenerOptions['onAuthFailure'] = (e) => {
    metrics.authFailures.inc({ service: 'http_listener', outcome: e.locked ? 'locked' : 'wrong' });
    for (const key of e.lockedNow) {
      metrics.authLockouts.inc({ service: 'http_listener', scope: key.slice(0, key.indexOf(':')) });
      logger('warn', `HTTP Basic authentication locked for ${key} after repeated failures (from ${e.remoteAddress})`);
    }
    if (http) http.onAuthFailure?.(e);
  };
  return { smtp: pick(smtpGiven), http: { authLimiter: pick(httpGiven), onAuthFailure } };
}
