import type { QueueConfig } from '@mtakit/core';

/**
 * KumoMTA's retry schedule (QueueConfig::delay_for_attempt): after the n-th failed attempt
 * (n = attempts already made, counting from 0 for the first retry), wait
 * `min(retry_interval × 2^n, max_retry_interval)`. With the defaults: +20m, +40m, +80m, …
 */
export function delayForAttempt(n: number, config: Pick<QueueConfig, 'retry_interval' | 'max_retry_interval'>): number {
  const delay = config.retry_interval * 2 ** n;
  return config.max_retry_interval === undefined ? delay : Math.min(delay, config.max_retry_interval);
}

/** Jitter added on every requeue: uniform in ±m/2 with m = min(retry_interval / 20, 60 s). */
export function jitter(config: Pick<QueueConfig, 'retry_interval'>, random: () => number = Math.random): number {
  const m = Math.min(config.retry_interval / 20, 60_000);
  return (random() - 0.5) * m;
}

/**
 * When a message that has now failed `numAttempts` times is due again: `now + delay(numAttempts − 1)
 * + jitter`. Returns undefined when that is past the message's deadline (`max_age` after creation,
 * or an earlier per-message `expires`), meaning: expire it instead.
 */
export function nextAttemptDue(
  numAttempts: number,
  now: number,
  createdAt: number,
  config: Pick<QueueConfig, 'retry_interval' | 'max_retry_interval' | 'max_age'>,
  options: { expires?: number | undefined; random?: () => number } = {},
): number | undefined {
  const due = now + delayForAttempt(Math.max(0, numAttempts - 1), config) + jitter(config, options.random);
  return due > deadline(createdAt, config, options.expires) ? undefined : due;
}

/** The moment a message expires: `created + max_age`, or its own earlier `expires`. */
export function deadline(createdAt: number, config: Pick<QueueConfig, 'max_age'>, expires?: number): number {
  const byAge = createdAt + config.max_age;
  return expires !== undefined && expires < byAge ? expires : byAge;
}

/**
 * The due time of a message reloaded from a spool that did not record one: the sum of the delays
 * of the attempts made so far, counted from creation (reference §2, spool reload).
 */
export function recomputedDue(numAttempts: number, createdAt: number, config: Pick<QueueConfig, 'retry_interval' | 'max_retry_interval'>): number {
  let due = createdAt;
  for (let i = 0; i < numAttempts; i++) due += delayForAttempt(i, config);
  return due;
}
