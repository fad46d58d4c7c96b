import { internalResponse, type Clock, type ConnectionLease, type Message, type Shaper, type SmtpResponse } from '@mtakit/core';
import { ChannelError, type DeliveryChannel } from '../delivery/channel.js';
import type { Outcomes } from '../outcomes.js';
import type { ReadyQueue } from './ready-queue.js';

export interface DispatcherDeps {
  clock: Clock;
  shaper: Shaper | undefined;
  outcomes: Outcomes;
  /** Loads a message for delivery; undefined if it is gone (bounced or removed meanwhile). */
  load(id: string): Promise<Message | undefined>;
  /** Puts a message back in its scheduled queue with a delay (throttled, suspended, shutting down). */
  delay(queue: string, id: string, delayMs: number): void;
  /** Tracks background work so shutdown can wait for it. */
  track(work: Promise<unknown>): void;
  isStopping(): boolean;
  isSuspended(rq: ReadyQueue): boolean;
  /** See QueueManagerOptions.beforeDelivery. */
  beforeDelivery: ((message: Message) => Promise<SmtpResponse | undefined>) | undefined;
  /** Called when a dispatcher took items off the queue (to unblock scheduled queues). */
  onTaken(rq: ReadyQueue): void;
  /** Called when a dispatcher ends with work left but cannot start now; retry after `ms`. */
  retryLater(rq: ReadyQueue, ms: number): void;
}

/**
 * One connection's life in a ready queue: take leases and pass rate limits, open a channel, deliver
 * messages one by one up to `max_deliveries_per_connection`, wait up to `idle_timeout` for more,
 * then close. Outcomes are handled in the background so the next message goes out at once.
 */
export async function runDispatcher(rq: ReadyQueue, deps: DispatcherDeps): Promise<void> {
  const leases: ConnectionLease[] = [];
  let channel: DeliveryChannel | undefined;
  let renew: NodeJS.Timeout | undefined;
  try {
    const wait = await acquireConnectionSlot(rq, deps, leases);
    if (wait > 0) {
      rq.pausedUntil = deps.clock.now() + wait;
      deps.retryLater(rq, wait);
      return;
    }
    if (leases.length > 0) {
      renew = setInterval(() => void Promise.all(leases.map((l) => l.renew())).catch(() => undefined), 20_000);
      renew.unref();
    }
    try {
      channel = await rq.transport.open();
      rq.consecutiveFailures = 0;
    } catch (error) {
      if (!(error instanceof ChannelError)) throw error;
      await connectFailed(rq, error, deps);
      return;
    }
    await deliverLoop(rq, channel, deps);
  } finally {
    clearInterval(renew);
    channel?.close();
    await Promise.all(leases.map((l) => l.release().catch(() => undefined)));
  }
}

async function deliverLoop(rq: ReadyQueue, channel: DeliveryChannel, deps: DispatcherDeps): Promise<void> {
  let delivered = 0;
  while (!deps.isStopping() && channel.usable && delivered < rq.path.max_deliveries_per_connection) {
    if (deps.isSuspended(rq)) break;
    const item = rq.take();
    if (!item) {
      rq.idleDispatchers++;
      const woke = await rq.waitForWork(rq.path.timeouts.idle_timeout);
      rq.idleDispatchers--;
      if (!woke) break;
      continue;
    }
    deps.onTaken(rq);
    const wait = await messageRateWait(rq, deps);
    if (wait > rq.path.timeouts.idle_timeout) {
      // Too long to hold the connection open: hand the message back to its scheduled queue.
      deps.delay(item.queue, item.id, wait);
      rq.pausedUntil = deps.clock.now() + wait;
      break;
    }
    if (wait > 0) await sleep(wait);
    const message = await deps.load(item.id);
    if (!message) continue;
    const refusal = await deps.beforeDelivery?.(message);
    if (refusal) {
      deps.track(deps.outcomes.handle(message, { response: refusal }, { queue: item.queue, readyQueue: rq }));
      continue;
    }
    rq.lastActivity = deps.clock.now();
    try {
      const result = await channel.deliver(message);
      delivered++;
      deps.track(deps.outcomes.handle(message, result, { queue: item.queue, readyQueue: rq, channel }));
    } catch (error) {
      if (!(error instanceof ChannelError)) throw error;
      deps.track(deps.outcomes.handle(message, { response: error.response, transcript: error.transcript }, { queue: item.queue, readyQueue: rq, channel }));
      break;
    }
  }
}

/** Connection limit leases and the connection rate; returns how long to wait (0 = go). */
async function acquireConnectionSlot(rq: ReadyQueue, deps: DispatcherDeps, leases: ConnectionLease[]): Promise<number> {
  const shaper = deps.shaper;
  if (!shaper) return 0;
  const limits = [[`conn:${rq.name}`, rq.path.connection_limit] as const, ...Object.entries(rq.path.additional_connection_limits).map(([n, l]) => [`conn:${n}`, l] as const)];
  for (const [key, limit] of limits) {
    const r = await shaper.acquireConnection(key, limit);
    if (!r.granted) return Math.max(r.retryAfterMs, 100);
    leases.push(r.lease);
  }
  const rate = rq.path.max_connection_rate;
  if (rate) {
    const d = await shaper.throttle(`connrate:${rq.name}`, rate);
    if (!d.allowed) return d.retryAfterMs;
  }
  return 0;
}

/** How long the path's message rates say to wait before the next message (0 = now). */
async function messageRateWait(rq: ReadyQueue, deps: DispatcherDeps): Promise<number> {
  const shaper = deps.shaper;
  if (!shaper) return 0;
  const specs = [...(rq.path.max_message_rate ? [[`msgrate:${rq.name}`, rq.path.max_message_rate] as const] : []),
    ...Object.entries(rq.path.additional_message_rate_throttles).map(([n, s]) => [`msgrate:${n}`, s] as const)];
  let wait = 0;
  for (const [key, spec] of specs) {
    const d = await shaper.throttle(key, spec);
    if (!d.allowed) wait = Math.max(wait, d.retryAfterMs);
  }
  return wait;
}

/**
 * A connection could not be opened. A permanent answer (every address prohibited, 5xx banner)
 * bounces what is waiting; otherwise one message takes the transient failure, and after
 * `consecutive_connection_failures_before_delay` failures in a row the whole queue does.
 */
async function connectFailed(rq: ReadyQueue, error: ChannelError, deps: DispatcherDeps): Promise<void> {
  rq.consecutiveFailures++;
  const all = error.response.code >= 500 || rq.consecutiveFailures >= rq.path.consecutive_connection_failures_before_delay;
  const items = all ? rq.drain() : [rq.take()].filter((x) => x !== undefined);
  if (items.length > 0) deps.onTaken(rq);
  const response = all && error.response.code < 500
    ? internalResponse(451, '4.4.1', `No answer from any hosts listed in MX (${rq.consecutiveFailures} connection failures): ${error.response.content}`)
    : error.response;
  await Promise.all(items.map(async (item) => {
    const message = await deps.load(item.id);
    if (message) await deps.outcomes.handle(message, { response, transcript: error.transcript }, { queue: item.queue, readyQueue: rq });
  }));
  if (all) rq.consecutiveFailures = 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
