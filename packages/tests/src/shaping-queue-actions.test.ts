import { LogBus } from '@mtakit/core';
import { MemorySpool, QueueManager } from '@mtakit/queue';
import { QueueAutomationActions, type ReadyQueueSuspension, type ScheduledBounce, type ScheduledSuspension } from '@mtakit/shaping';
import { afterEach, describe, expect, it } from 'vitest';

const rule = { hash: 'h', file: 'shaping.toml', block: '[provider."google"]' };
const queues: QueueManager[] = [];
afterEach(async () => {
  for (const q of queues.splice(0)) await q.shutdown();
});

function setup() {
  const queue = new QueueManager({ spool: new MemorySpool(), log: new LogBus(), hostname: 'mta.test' });
  queues.push(queue);
  const lines: string[] = [];
  return { queue, lines, actions: new QueueAutomationActions((_level, message) => void lines.push(message)) };
}

const suspension = (expires: number): ReadyQueueSuspension => ({
  kind: 'suspend-ready-queue', id: 'effect-1', expires, reason: 'automation rule: 421', rule, name: 'ip-1->gmail@smtp_client', source: 'ip-1', siteName: 'gmail',
});

describe('QueueAutomationActions', () => {
  it('applies effects restored before the queue existed once it is attached', async () => {
    const { queue, actions } = setup();
    const expires = Date.now() + 60_000;
    await actions.suspendReadyQueue(suspension(expires));
    expect(queue.listReadyQueueSuspensions()).toEqual([]);
    await actions.attach(queue);
    expect(queue.listReadyQueueSuspensions()).toEqual([expect.objectContaining({ name: 'ip-1->gmail@smtp_client', expires: new Date(expires).toISOString() })]);
  });

  it('replaces the entry of a re-triggered effect instead of adding another', async () => {
    const { queue, actions, lines } = setup();
    await actions.attach(queue);
    await actions.suspendReadyQueue(suspension(Date.now() + 60_000));
    const later = Date.now() + 120_000;
    await actions.suspendReadyQueue(suspension(later));
    expect(queue.listReadyQueueSuspensions().map((s) => s.expires)).toEqual([new Date(later).toISOString()]);
    expect(lines.at(-1)).toMatch(/suspended ready queue ip-1->gmail@smtp_client until .* \(automation rule: 421\)/);
  });

  it('suspends and bounces scheduled queues by domain, tenant and campaign', async () => {
    const { queue, actions } = setup();
    await actions.attach(queue);
    const expires = Date.now() + 60_000;
    const scheduled: ScheduledSuspension = { kind: 'suspend-scheduled', id: 's', expires, reason: 'r', rule, domain: 'yahoo.com', tenant: 'acme', campaign: 'spring' };
    const bounce: ScheduledBounce = { kind: 'bounce-scheduled', id: 'b', expires, reason: 'r', rule, domain: 'yahoo.com', tenant: 'acme', campaign: undefined };
    await actions.suspendScheduled(scheduled);
    await actions.bounceScheduled(bounce);
    expect(queue.listSuspensions()).toEqual([expect.objectContaining({ domain: 'yahoo.com', tenant: 'acme', campaign: 'spring' })]);
    expect(queue.listBounces()).toEqual([expect.objectContaining({ domain: 'yahoo.com', tenant: 'acme', expires: new Date(expires).toISOString() })]);
  });
});
