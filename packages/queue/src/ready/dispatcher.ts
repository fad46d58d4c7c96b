import {
  acquireAll, internalResponse, pathLimits, throttleAll,
  type Clock, type EgressPathConfig, type KeyedLimit, type LeaseSet, type Message, type PathLimits, type Shaper, type SmtpResponse,
} from '@mtakit/core';
import { ChannelError, type AttemptResult, type DeliveryChannel } from '../delivery/channel.js';
import type { Outcomes } from '../outcomes.js';
import type { ReadyItem, ReadyQueue } from './ready-queue.js';

/** Why a ready queue could not open a connection (KumoMTA's ready-queue state names). */
export type ConnectionHold = 'connection_limited' | 'connection_rate_throttled';

export interface DispatcherDeps {
  clock: Clock;
  shaper: Shaper | undefined;
  outcomes: Outcomes;
  /** Loads a message for delivery; undefined if it is gone, or unreadable (then kept for later). */
  load(item: ReadyItem): Promise<Message | undefined>;
  /** Puts a message back in its scheduled queue with a delay (throttled, suspended, shutting down). */
  delay(item: ReadyItem, delayMs: number): void;
  /** Tracks background work so shutdown can wait for it. */
  track(work: Promise<unknown>): void;
  isStopping(): boolean;
  isSuspended(rq: ReadyQueue): boolean;
  /** See QueueManagerOptions.beforeDelivery. */
  beforeDelivery: ((message: Message) => Promise<SmtpResponse | undefined>) | undefined;
  /** Called when a dispatcher took items off the queue (to unblock scheduled queues). */
  onTaken(rq: ReadyQueue): void;
  /** Called when a dispatcher paused the queue (`rq.pausedUntil` set): dispatch again once that has passed. */
  paused(rq: ReadyQueue): void;
  /** Leases a message of this scheduled queue holds while it is sent (its tenant's connection limit). */
  deliveryLimits(queue: string): readonly KeyedLimit[];
  /** A connection was refused by a limit (`context` names it) for `waitMs`, or was granted (`context` undefined). */
  held(rq: ReadyQueue, hold: ConnectionHold, context: string | undefined, waitMs: number): void;
}

/** Connection leases are renewed this often: a third of the shaper's default 60 s lease lifetime. */
const LEASE_RENEW_MS = 20_000;
/**
 * A full connection limit is tried again at least this often: its leases are normally released
 * when their connections close, long before they would expire (the refusal's own wait).
 */
const LEASE_RETRY_MAX_MS = 1000;
/** A dispatcher waiting for a message rate looks at shutdown and suspension at least this often. */
const THROTTLE_POLL_MAX_MS = 1000;
/** A message whose tenant is at its connection limit goes back to its scheduled queue for this long. */
const DELIVERY_LEASE_RETRY_MS = 250;

/**
 * One connection's life in a ready queue: take the path's connection leases and pass its
 * connection rate, open a channel, deliver messages one by one up to
 * `max_deliveries_per_connection` (each passing the path's message rates and holding its tenant's
 * delivery lease), wait up to `idle_timeout` for more, then close. Outcomes are handled in the
 * background so the next message goes out at once.
 */
export async function runDispatcher(rq: ReadyQueue, deps: DispatcherDeps): Promise<void> {
  let leases: LeaseSet | undefined;
  let channel: DeliveryChannel | undefined;
  let renew: NodeJS.Timeout | undefined;
  let opening = true;
  const opened = (): void => {
    if (opening) rq.openingDispatchers--;
    opening = false;
  };
  rq.openingDispatchers++;
  try {
    const slot = await openSlot(rq, deps);
    if (typeof slot === 'number') return pause(rq, deps, slot);
    leases = slot;
    let leaseLost = false;
    if (slot?.granted) {
      renew = setInterval(() => void slot.renew().then((ok) => (leaseLost ||= !ok), () => undefined), LEASE_RENEW_MS);
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
    opened();
    // A lost lease means another holder may have the slot: finish the message in hand and close.
    await deliverLoop(rq, channel, deps, () => leaseLost);
  } finally {
    opened();
    clearInterval(renew);
    // The slot is free only once the receiver has seen this connection go.
    await channel?.close();
    if (leases?.granted) await leases.release().catch(() => undefined);
  }
}

async function deliverLoop(rq: ReadyQueue, channel: DeliveryChannel, deps: DispatcherDeps, leaseLost: () => boolean): Promise<void> {
  let delivered = 0;
  while (!deps.isStopping() && channel.usable && delivered < rq.path.max_deliveries_per_connection && !leaseLost()) {
    if (deps.isSuspended(rq)) break;
    const item = rq.take();
    if (!item) {
      rq.idleDispatchers++;
      const woke = await rq.waitForWork(rq.path.timeouts.idle_timeout);
      rq.idleDispatchers--;
      if (!woke) break;
      continue;
    }
    const items = [item, ...batchMates(rq, channel, item)];
    deps.onTaken(rq);
    const tenant = await holdDeliveryLeases(item.queue, deps);
    if (tenant?.granted === false) {
      // The connection stays with the other tenants' messages; these come back shortly.
      for (const i of items) deps.delay(i, DELIVERY_LEASE_RETRY_MS);
      continue;
    }
    try {
      const verdict = await passMessageRates(rq, deps, items.length);
      if (verdict !== 'send') {
        for (const i of items) deps.delay(i, verdict.handBackMs);
        if (verdict.pause) pause(rq, deps, verdict.handBackMs);
        break;
      }
      const messages = await loadForDelivery(rq, items, deps);
      rq.lastActivity = deps.clock.now();
      // Copies of one transaction go together; anything that differs (a hook edited it) goes alone.
      for (const group of transactions(messages)) {
        const started = deps.clock.now();
        try {
          const results = await channel.deliver(group);
          delivered += group.length;
          group.forEach((m, i) => deps.track(deps.outcomes.handle(m, results[i] as AttemptResult, { queue: queueOf(items, m), readyQueue: rq, channel })));
        } catch (error) {
          if (!(error instanceof ChannelError)) throw error;
          for (const m of group) deps.track(deps.outcomes.handle(m, { response: error.response, transcript: error.transcript }, { queue: queueOf(items, m), readyQueue: rq, channel }));
          return;
        } finally {
          deps.outcomes.deps.metrics?.deliverLatency.observe({ service: rq.name }, (deps.clock.now() - started) / 1000);
        }
      }
    } finally {
      if (tenant?.granted) await tenant.release().catch(() => undefined);
    }
  }
}

/**
 * More copies of the taken message's transaction waiting right behind it, up to
 * `max_recipients_per_batch` recipients per transaction (and never more than a message rate's burst
 * could admit at once). Only SMTP sends several recipients per transaction.
 */
function batchMates(rq: ReadyQueue, channel: DeliveryChannel, item: ReadyItem): ReadyItem[] {
  if (!item.batch || channel.protocol !== 'ESMTP') return [];
  const bursts = pathLimitsOf(rq).messageRates.map((r) => r.spec.maxBurst);
  const max = Math.min(rq.path.max_recipients_per_batch, ...bursts) - 1;
  return max > 0 ? rq.takeBatchMates(item.queue, item.batch, max) : [];
}

/** Loads the messages to send; gone ones are skipped, refused ones (beforeDelivery) handled. */
async function loadForDelivery(rq: ReadyQueue, items: readonly ReadyItem[], deps: DispatcherDeps): Promise<Message[]> {
  const out: Message[] = [];
  for (const item of items) {
    const message = await deps.load(item);
    if (!message) continue;
    const refusal = await deps.beforeDelivery?.(message);
    if (refusal) deps.track(deps.outcomes.handle(message, { response: refusal }, { queue: item.queue, readyQueue: rq }));
    else out.push(message);
  }
  return out;
}

/** Splits messages into transactions: each run of byte-identical copies (same sender and data) is one. */
function transactions(messages: readonly Message[]): Message[][] {
  const out: Message[][] = [];
  for (const m of messages) {
    const last = out.at(-1);
    const head = last?.[0];
    if (last && head && head.sender === m.sender && head.getData().equals(m.getData())) last.push(m);
    else out.push([m]);
  }
  return out;
}

function queueOf(items: readonly ReadyItem[], message: Message): string {
  return (items.find((i) => i.id === message.id) as ReadyItem).queue;
}

/**
 * The path's connection leases and connection rates: the leases to hold for the connection's
 * life (undefined without a shaper), or how long to wait before trying again.
 */
async function openSlot(rq: ReadyQueue, deps: DispatcherDeps): Promise<LeaseSet | undefined | number> {
  const shaper = deps.shaper;
  if (!shaper) return undefined;
  const limits = pathLimitsOf(rq);
  const leases = await acquireAll(shaper, limits.connections);
  if (!leases.granted) {
    const wait = Math.min(Math.max(leases.retryAfterMs, 100), LEASE_RETRY_MAX_MS);
    deps.held(rq, 'connection_limited', `${leases.name} reached`, wait);
    return wait;
  }
  deps.held(rq, 'connection_limited', undefined, 0);
  const rate = await throttleAll(shaper, limits.connectionRates);
  if (!rate.allowed) {
    await leases.release();
    const wait = Math.max(1, rate.retryAfterMs);
    deps.held(rq, 'connection_rate_throttled', `${rate.name} ${rate.rate.spec.text}`, wait);
    return wait;
  }
  deps.held(rq, 'connection_rate_throttled', undefined, 0);
  return leases;
}

type RateVerdict = 'send' | { handBackMs: number; pause: boolean };

/**
 * Passes the path's message rates, waiting while the wait fits in `idle_timeout`. A longer wait
 * hands the message back to its scheduled queue and pauses the ready queue instead of holding the
 * connection (KumoMTA's rule); so do shutdown and a suspension that start meanwhile.
 */
async function passMessageRates(rq: ReadyQueue, deps: DispatcherDeps, quantity: number): Promise<RateVerdict> {
  const shaper = deps.shaper;
  if (!shaper) return 'send';
  let rates = pathLimitsOf(rq).messageRates;
  const started = deps.clock.now();
  for (;;) {
    const admission = await throttleAll(shaper, rates, quantity);
    if (admission.allowed) return 'send';
    const wait = Math.max(1, admission.retryAfterMs);
    if (deps.clock.now() - started + wait > rq.path.timeouts.idle_timeout) return { handBackMs: wait, pause: true };
    await sleep(Math.min(wait, THROTTLE_POLL_MAX_MS));
    if (deps.isStopping() || deps.isSuspended(rq)) return { handBackMs: 0, pause: false };
    // Units already taken from the throttles before the one that refused stay taken.
    rates = rates.slice(rates.indexOf(admission.rate));
  }
}

/** The tenant's delivery leases of a message (undefined when it has none to take). */
async function holdDeliveryLeases(queue: string, deps: DispatcherDeps): Promise<LeaseSet | undefined> {
  const limits = deps.deliveryLimits(queue);
  if (!deps.shaper || limits.length === 0) return undefined;
  return acquireAll(deps.shaper, limits);
}

function pause(rq: ReadyQueue, deps: DispatcherDeps, ms: number): void {
  rq.pausedUntil = deps.clock.now() + ms;
  deps.paused(rq);
}

const derived = new WeakMap<ReadyQueue, { path: EgressPathConfig; limits: PathLimits }>();

/** The shaper keys of a ready queue's path (core's scheme), derived once per path config. */
export function pathLimitsOf(rq: ReadyQueue): PathLimits {
  const known = derived.get(rq);
  if (known?.path === rq.path) return known.limits;
  const limits = pathLimits(rq.source.name, rq.siteName, rq.path);
  derived.set(rq, { path: rq.path, limits });
  return limits;
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
    const message = await deps.load(item);
    if (message) await deps.outcomes.handle(message, { response, transcript: error.transcript }, { queue: item.queue, readyQueue: rq });
  }));
  if (all) rq.consecutiveFailures = 0;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
