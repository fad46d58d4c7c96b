import {
  LogBus, Message, pathLimits, queueLimits, resolveEgressPathConfig, resolveQueueConfig,
  type ConnectionLease, type EgressPathConfigInput, type LeaseResult, type LimitSpec, type LogRecord, type Policy, type QueueConfigInput,
  type RateSpec, type Shaper, type ThrottleDecision, type Timers,
} from '@mtakit/core';
import { mxListSiteName } from '@mtakit/core/dns';
import { SmtpSink } from '@mtakit/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QueueManager, type QueueManagerOptions } from './queue-manager.js';
import { MemorySpool } from './spool/memory-spool.js';

/**
 * A shaper that records every call and keeps exact lease counts; throttles admit unless told to
 * refuse a key a number of times. The real GCRA and stores are tested in @mtakit/shaping and, with
 * this queue, in packages/tests.
 */
class RecordingShaper implements Shaper {
  readonly throttles: string[] = [];
  /** When each throttle call happened (ms), in the order of `throttles`. */
  readonly throttledAt: number[] = [];
  readonly leases = new Map<string, number>();
  readonly peak = new Map<string, number>();
  readonly refuse = new Map<string, { times: number; retryAfterMs: number }>();

  async throttle(key: string, spec: RateSpec): Promise<ThrottleDecision> {
    this.throttles.push(`${key} ${spec.text}`);
    this.throttledAt.push(Date.now());
    const r = this.refuse.get(key);
    if (r && r.times > 0) {
      r.times--;
      return { allowed: false, retryAfterMs: r.retryAfterMs, remaining: 0, resetAfterMs: r.retryAfterMs };
    }
    return { allowed: true, retryAfterMs: 0, remaining: 1, resetAfterMs: 0 };
  }

  async acquireConnection(key: string, limit: LimitSpec): Promise<LeaseResult> {
    const held = this.leases.get(key) ?? 0;
    if (held >= limit.limit) return { granted: false, retryAfterMs: 60_000 };
    this.leases.set(key, held + 1);
    this.peak.set(key, Math.max(this.peak.get(key) ?? 0, held + 1));
    let released = false;
    const lease: ConnectionLease = {
      key,
      renew: async () => !released,
      release: async () => {
        if (!released) this.leases.set(key, (this.leases.get(key) ?? 1) - 1);
        released = true;
      },
    };
    return { granted: true, lease };
  }
}

const sink = new SmtpSink({ dataDelayMs: 15 });
const managers: QueueManager[] = [];
beforeAll(() => sink.start());
afterAll(() => sink.stop());
afterEach(async () => {
  for (const m of managers.splice(0)) await m.shutdown();
});

function start(queueConfig: (tenant: string | undefined) => QueueConfigInput, path: EgressPathConfigInput, policy: Policy = {}, shaper = new RecordingShaper(), options: Partial<QueueManagerOptions> = {}) {
  const records: LogRecord[] = [];
  const warnings: string[] = [];
  const log = new LogBus();
  log.subscribe((r) => void records.push(r));
  const manager = new QueueManager({
    spool: new MemorySpool(), log, shaper, hostname: 'mta.test', logger: (level, message) => void (level === 'warn' && warnings.push(message)),
    policy: {
      get_queue_config: (_domain, tenant) => ({ protocol: { smtp: { mx_list: [sink.address] } }, ...queueConfig(tenant) }),
      get_egress_path_config: () => ({ enable_tls: 'Disabled', ...path }),
      ...policy,
    },
    ...options,
  });
  managers.push(manager);
  const delivered = (to: string) => records.filter((r) => r.type === 'Delivery' && String(r.recipient).startsWith(to)).length;
  return { manager, shaper, records, delivered, warnings };
}

const site = () => mxListSiteName([sink.address]);
const readyQueue = () => `unspecified->${site()}@smtp_client`;
let n = 0;
const mail = (to: string, tenant?: string) => new Message({
  sender: 's@example.com', recipient: to, meta: tenant ? { tenant } : {}, data: Buffer.from(`Subject: ${n++}\r\n\r\nbody\r\n`),
});

describe('the queue under a shaper', () => {
  it('takes leases and passes throttles under exactly the keys core names for the path and the queue', async () => {
    const path = {
      connection_limit: 3, additional_connection_limits: { provider: 5 }, max_connection_rate: '100/min',
      max_message_rate: '100/s', additional_message_rate_throttles: { global: '500/s' }, source_selection_rate: '1000/h',
    };
    const queue = { max_message_rate: '50/s', tenant_max_message_rate: '20/s', tenant_connection_limit: 2 };
    const h = start(() => queue, path);
    await h.manager.enqueue([mail('a@dest.test', 'acme'), mail('b@dest.test', 'acme')]);
    await expect.poll(() => h.delivered(''), { timeout: 10_000 }).toBe(2);

    const own = pathLimits('unspecified', site(), resolveEgressPathConfig(path));
    const mine = queueLimits('acme@dest.test', 'acme', resolveQueueConfig(queue));
    const throttled = new Set(h.shaper.throttles);
    for (const r of [...own.connectionRates, ...own.messageRates, ...own.selectionRates, ...mine.promotionRates]) {
      expect(throttled).toContain(`${r.key} ${r.spec.text}`);
    }
    expect([...h.shaper.peak.keys()].sort()).toEqual([...own.connections, ...mine.deliveryLimits].map((l) => l.key).sort());
    // Every lease was given back: the connection's when it closed, the tenant's after each message.
    await h.manager.shutdown();
    expect([...h.shaper.leases.values()].every((count) => count === 0)).toBe(true);
  });

  it('waits out a message-rate refusal and asks again before sending', async () => {
    const h = start(() => ({}), { max_message_rate: '10/s' });
    const key = `path:unspecified->${site()}:message-rate`;
    h.shaper.refuse.set(key, { times: 3, retryAfterMs: 40 });
    const t0 = Date.now();
    await h.manager.enqueue([mail('wait@dest.test')]);
    await expect.poll(() => h.delivered('wait@'), { timeout: 10_000 }).toBe(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(110);
    expect(h.shaper.throttles.filter((t) => t.startsWith(key))).toHaveLength(4);
  });

  it('hands the message back and pauses the ready queue when the wait exceeds idle_timeout, then delivers', async () => {
    const h = start(() => ({}), { max_message_rate: '1/s', idle_timeout: '100ms' });
    h.shaper.refuse.set(`path:unspecified->${site()}:message-rate`, { times: 1, retryAfterMs: 600 });
    await h.manager.enqueue([mail('later@dest.test')]);
    await expect.poll(() => h.manager.readyQueueStates()[0]?.paused_until ?? null, { timeout: 5000 }).not.toBeNull();
    expect(h.delivered('later@')).toBe(0);
    await expect.poll(() => h.delivered('later@'), { timeout: 10_000 }).toBe(1);
  });

  it("holds a tenant to its connection limit without holding up another tenant's mail", async () => {
    const h = start((tenant) => (tenant === 'bulk' ? { tenant_connection_limit: 2 } : {}), { connection_limit: 6 });
    const bulk = Array.from({ length: 30 }, (_, i) => mail(`bulk${i}@dest.test`, 'bulk'));
    const other = Array.from({ length: 6 }, (_, i) => mail(`other${i}@dest.test`, 'other'));
    await h.manager.enqueue([...bulk, ...other]);
    await expect.poll(() => h.delivered('other'), { timeout: 10_000 }).toBe(6);
    // The other tenant was done while most of the bulk tenant's mail still waited its turn.
    expect(h.delivered('bulk')).toBeLessThan(30);
    await expect.poll(() => h.delivered('bulk'), { timeout: 20_000 }).toBe(30);
    expect(h.shaper.peak.get('tenant:bulk:connections')).toBe(2);
    expect(h.shaper.peak.has('tenant:other:connections')).toBe(false);
  });

  it('reports a full connection limit as connection_limited in the ready-queue states', async () => {
    const h = start(() => ({}), { connection_limit: 1 });
    // Another holder (another node, say) has the only slot.
    const taken = await h.shaper.acquireConnection(`path:unspecified->${site()}:connections`, { limit: 1, local: false });
    await h.manager.enqueue([mail('blocked@dest.test')]);
    await expect.poll(() => h.manager.readyQueueStates()[0]?.connection_limited ?? null, { timeout: 5000 }).toMatchObject({ context: 'connection_limit reached' });
    if (taken.granted) await taken.lease.release();
    await expect.poll(() => h.delivered('blocked@'), { timeout: 10_000 }).toBe(1);
    expect(h.manager.readyQueueStates()[0]?.connection_limited).toBeNull();
  });

  it('starts a paused ready queue again when its timer fires a little before the pause ends', async () => {
    // Node's timers fire up to 1 ms before Date.now() reaches their end (the loop's clock rounds
    // otherwise); these always fire 5 ms early. A queue paused by a refused lease must still go.
    const early: Timers = { after: (ms, fn) => {
      const t = setTimeout(fn, Math.max(0, ms - 5));
      return () => clearTimeout(t);
    } };
    const h = start(() => ({}), { connection_limit: 1 }, {}, new RecordingShaper(), { timers: early });
    const taken = await h.shaper.acquireConnection(`path:unspecified->${site()}:connections`, { limit: 1, local: false });
    await h.manager.enqueue([mail('paused@dest.test')]);
    await expect.poll(() => h.manager.readyQueueStates()[0]?.paused_until ?? null, { timeout: 5000 }).not.toBeNull();
    if (taken.granted) await taken.lease.release();
    await expect.poll(() => h.delivered('paused@'), { timeout: 10_000 }).toBe(1);
  });

  it('spreads messages refused at promotion one interval apart instead of retrying them together', async () => {
    const h = start(() => ({ max_message_rate: '10/s' }), {});
    h.shaper.refuse.set('queue:dest.test:message-rate', { times: 5, retryAfterMs: 100 });
    await h.manager.enqueue(Array.from({ length: 5 }, (_, i) => mail(`spread${i}@dest.test`)));
    await expect.poll(() => h.delivered('spread'), { timeout: 10_000 }).toBe(5);
    // Each came back once, in its own slot 100 ms after the previous one (not all at +100 ms).
    const asked = h.shaper.throttledAt.filter((_, i) => h.shaper.throttles[i]!.startsWith('queue:dest.test:'));
    expect(asked).toHaveLength(10);
    const retries = asked.slice(5);
    expect(retries.at(-1)! - retries[0]!).toBeGreaterThanOrEqual(350);
  });

  it('logs one TransientFailure (451 4.4.5) per message held by a throttle, however often it is refused', async () => {
    const h = start(() => ({ max_message_rate: '10/s' }), {});
    h.shaper.refuse.set('queue:dest.test:message-rate', { times: 6, retryAfterMs: 30 });
    await h.manager.enqueue([mail('throttled1@dest.test'), mail('throttled2@dest.test')]);
    await expect.poll(() => h.delivered('throttled'), { timeout: 10_000 }).toBe(2);
    const held = h.records.filter((r) => r.type === 'TransientFailure');
    expect(held.map((r) => r.recipient).sort()).toEqual(['throttled1@dest.test', 'throttled2@dest.test']);
    expect(held[0]!.response).toMatchObject({ code: 451, enhanced_code: { class: 4, subject: 4, detail: 5 } });
    expect(held[0]!.response.content).toMatch(/throttled by max_message_rate 10\//);
  });

  it('holds mail while the shaper fails (its store is down, say) and sends it once the shaper answers again', async () => {
    class FailingShaper extends RecordingShaper {
      down = true;
      override acquireConnection(key: string, limit: LimitSpec): Promise<LeaseResult> {
        return this.down ? Promise.reject(new Error('redis shaping store: connect ECONNREFUSED')) : super.acquireConnection(key, limit);
      }
    }
    const shaper = new FailingShaper();
    const h = start(() => ({}), {}, {}, shaper);
    await h.manager.enqueue([mail('held@dest.test')]);
    await expect.poll(() => h.warnings.length, { timeout: 5000 }).toBe(1);
    expect(h.warnings[0]).toMatch(/lease for path:.* failed .*ECONNREFUSED/);
    expect(h.delivered('held@')).toBe(0);
    shaper.down = false;
    await expect.poll(() => h.delivered('held@'), { timeout: 10_000 }).toBe(1);
  });

  it('re-reads a path config on invalidateEgressPaths and resolves a path on request', async () => {
    let limit = 4;
    const h = start(() => ({ tenant_max_message_rate: '7/s' }), {}, { get_egress_path_config: () => ({ enable_tls: 'Disabled', connection_limit: limit }) });
    await h.manager.enqueue([mail('first@dest.test')]);
    await expect.poll(() => h.delivered('first@'), { timeout: 10_000 }).toBe(1);
    limit = 2;
    await h.manager.invalidateEgressPaths({ source: 'other-source' });
    expect(h.manager.readyQueueStates()[0]?.connection_limit).toBe(4);
    await h.manager.invalidateEgressPaths({ source: 'unspecified', siteName: site() });
    expect(h.manager.readyQueueStates()[0]?.connection_limit).toBe(2);

    const resolved = await h.manager.resolveEgressPath({ domain: 'dest.test', tenant: 'acme' });
    expect(resolved).toMatchObject({
      domain: 'dest.test', source: 'unspecified', scheduled_queue: 'acme@dest.test', queue_name: readyQueue(), site_name: site(),
      mx: ['127.0.0.1'], path_config: { connection_limit: 2 }, queue_config: { tenant_max_message_rate: '7/s' },
    });
    expect(resolved.limits.connections.map((l) => [l.key, l.limit.limit])).toEqual([[`path:unspecified->${site()}:connections`, 2]]);
    expect(resolved.limits.promotionRates.map((r) => r.key)).toEqual(['tenant:acme:message-rate']);
  });
});
