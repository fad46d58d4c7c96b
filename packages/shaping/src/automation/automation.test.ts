import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { internalResponse } from '@mtakit/core';
import { siteNameFor } from '@mtakit/core/dns';
import { FakeClock } from '@mtakit/core/testing';
import { parse as parseToml } from 'smol-toml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadShapingRules } from '../rules/loader.js';
import { MemoryShapingStore } from '../stores/memory.js';
import { RedisShapingStore } from '../stores/redis.js';
import type { ShapingStore } from '../stores/store.js';
import { SAMPLE_MX, tableMxResolver } from '../testing/mx-fixture.js';
import { deliveryRecord, type RecordInit } from '../testing/records.js';
import { findRedisServer, startRedis, type TestRedis } from '@mtakit/core/testing';
import { TrafficShapingAutomation, type AutomationActions } from './automation.js';
import type { AutomationEffect } from './effects.js';

const resolver = tableMxResolver();
const GMAIL_SITE = siteNameFor(SAMPLE_MX['gmail.com'] as string[]);
const YAHOO_SITE = siteNameFor(SAMPLE_MX['yahoo.com'] as string[]);
const HOUR = 3_600_000;
const GMAIL_428 = '421 4.7.28 [192.0.2.1] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited.';

const RULES = `
[provider."y"]
match = [{MXSuffix = ".yahoodns.net"}]
[[provider."y".automation]]
regex = "\\\\[TSS04\\\\]"
action = "Suspend"
trigger = {Threshold = "2/hr"}
duration = "2 hours"

[[provider."y".automation]]
regex = "tenant trouble"
action = ["SuspendTenant", "SuspendCampaign", "Bounce", "BounceTenant", "BounceCampaign"]
duration = "10 minutes"

[[provider."y".automation]]
regex = "self inflicted"
action = "Suspend"
duration = "10 minutes"

[[provider."y".automation]]
regex = "self inflicted but counted"
action = {SetDomainConfig = {name = "max_deliveries_per_connection", value = 3}}
match_internal = true
duration = "10 minutes"

[["default".automation]]
regex = "slow down everyone"
action = {SetConfig = {name = "connection_limit", value = 1}}
duration = "20 minutes"
`;

/** Records every action call. */
function recorder() {
  const calls: Array<[string, AutomationEffect, boolean?]> = [];
  const actions: AutomationActions = {
    suspendReadyQueue: (e) => void calls.push(['suspendReadyQueue', e]),
    suspendScheduled: (e) => void calls.push(['suspendScheduled', e]),
    bounceScheduled: (e) => void calls.push(['bounceScheduled', e]),
    configChanged: (e, active) => void calls.push(['configChanged', e, active]),
  };
  return { calls, actions };
}

/** The rules above, after the built-in ones only when asked (they have Yahoo rules of their own). */
async function setup(store: ShapingStore = new MemoryShapingStore(), clock = new FakeClock(), builtin = false) {
  const rules = await loadShapingRules([{ name: 'auto.toml', document: parseToml(RULES) }], { resolver, noDefaultFiles: !builtin });
  const { calls, actions } = recorder();
  const automation = new TrafficShapingAutomation({ rules, store, actions, clock });
  const feed = (init: Omit<RecordInit, 'at'> & { at?: number }) => automation.consume(deliveryRecord({ at: clock.now(), ...init }));
  return { rules, automation, clock, calls, feed, store };
}

describe('traffic shaping automation', () => {
  it("slows gmail.com down on Gmail's 421 4.7.28 (built-in rule) for the rule's duration, then reverts", async () => {
    const { rules, automation, clock, calls, feed } = await setup(undefined, undefined, true);
    const effects = await feed({ siteName: GMAIL_SITE, response: GMAIL_428 });
    expect(effects.map((e) => e.kind === 'config' && [e.scope, e.name, e.value])).toEqual([
      ['domain', 'max_message_rate', '20/min'],
      ['domain', 'connection_limit', 2],
    ]);
    expect(effects[0]?.expires).toBe(clock.now() + HOUR);
    expect(calls.map(([name, , active]) => [name, active])).toEqual([['configChanged', true], ['configChanged', true]]);

    const effective = async () => (await rules.resolve('gmail.com', 'ip-1', GMAIL_SITE, automation.configOverrides('gmail.com', 'ip-1', GMAIL_SITE))).config;
    expect(await effective()).toMatchObject({ max_message_rate: '20/min', connection_limit: 2, enable_tls: 'Required' });
    // Another source, and another domain of the same site, are not affected by a domain-scoped override.
    expect(automation.configOverrides('gmail.com', 'ip-2', GMAIL_SITE)).toEqual([]);
    expect(automation.configOverrides('googlemail.com', 'ip-1', GMAIL_SITE)).toEqual([]);

    clock.advance(HOUR - 1);
    expect(await effective()).toMatchObject({ max_message_rate: '20/min' });
    clock.advance(1);
    await automation.sync();
    expect(await effective()).toMatchObject({ max_message_rate: '50/s', connection_limit: 8 });
    expect(calls.slice(2).map(([name, e, active]) => [name, e.kind === 'config' && e.name, active])).toEqual([
      ['configChanged', 'max_message_rate', false],
      ['configChanged', 'connection_limit', false],
    ]);
  });

  it('fires a Threshold rule only when N matches fall in the sliding window', async () => {
    const { clock, calls, feed } = await setup();
    const tss04 = { siteName: YAHOO_SITE, recipient: 'a@yahoo.com', response: '421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred' };
    expect(await feed(tss04)).toEqual([]);
    clock.advance(HOUR + 1000); // record times are whole seconds
    expect(await feed(tss04)).toEqual([]); // the first match is out of the window
    clock.advance(30 * 60_000);
    const [suspension] = await feed(tss04);
    expect(suspension).toMatchObject({
      kind: 'suspend-ready-queue', name: `ip-1->${YAHOO_SITE}@smtp_client`, source: 'ip-1', siteName: YAHOO_SITE, expires: clock.now() + 2 * HOUR,
    });
    expect(calls.map(([name]) => name)).toEqual(['suspendReadyQueue']);
    // Another match extends the same suspension (same id, later expiry).
    clock.advance(60_000);
    const [extended] = await feed(tss04);
    expect(extended?.id).toBe(suspension?.id);
    expect(extended?.expires).toBe(clock.now() + 2 * HOUR);
  });

  it('scopes tenant and campaign actions by the scheduled queue, skipping tenant actions without a tenant', async () => {
    const { feed } = await setup();
    const response = '450 4.2.0 tenant trouble';
    const withTenant = await feed({ siteName: YAHOO_SITE, recipient: 'a@yahoo.com', queue: 'spring:acme@yahoo.com', response });
    expect(withTenant.map((e) => [e.kind, 'tenant' in e ? e.tenant : undefined, 'campaign' in e ? e.campaign : undefined])).toEqual([
      ['suspend-scheduled', 'acme', undefined],
      ['suspend-scheduled', 'acme', 'spring'],
      ['bounce-scheduled', 'acme', undefined],
      ['bounce-scheduled', 'acme', undefined],
      ['bounce-scheduled', 'acme', 'spring'],
    ]);
    expect(withTenant[1]?.reason).toBe('automation rule: tenant trouble domain=yahoo.com tenant=acme campaign=spring');
    const without = await feed({ siteName: YAHOO_SITE, recipient: 'a@yahoo.com', queue: 'yahoo.com', response });
    expect(without.map((e) => [e.kind, 'tenant' in e ? e.tenant : 'x'])).toEqual([['bounce-scheduled', undefined]]);
  });

  it('ignores responses mtakit generated itself unless the rule sets match_internal', async () => {
    const { feed } = await setup();
    const internal = internalResponse(451, '4.4.0', 'self inflicted but counted');
    const effects = await feed({ siteName: YAHOO_SITE, recipient: 'a@yahoo.com', response: internal });
    expect(effects.map((e) => e.kind === 'config' && [e.scope, e.name])).toEqual([['domain', 'max_deliveries_per_connection']]);
  });

  it('skips record types that are not answers from a site, and records older than the rule duration', async () => {
    const { clock, feed } = await setup();
    const line = '421 4.7.0 self inflicted';
    for (const type of ['Reception', 'Delayed', 'Rejection'] as const) expect(await feed({ type, siteName: YAHOO_SITE, recipient: 'a@yahoo.com', response: line })).toEqual([]);
    expect(await feed({ siteName: YAHOO_SITE, recipient: 'a@yahoo.com', response: line, at: clock.now() - 10 * 60_000 })).toEqual([]);
    expect(await feed({ type: 'Bounce', siteName: YAHOO_SITE, recipient: 'a@yahoo.com', response: line })).toHaveLength(1);
  });

  it('applies SetConfig from the default block to the whole site', async () => {
    const { automation, feed } = await setup();
    const [effect] = await feed({ siteName: GMAIL_SITE, response: '421 4.3.0 slow down everyone' });
    expect(effect).toMatchObject({ kind: 'config', scope: 'site', siteName: GMAIL_SITE });
    expect(automation.configOverrides('googlemail.com', 'ip-1', GMAIL_SITE).map((o) => [o.name, o.value])).toEqual([['connection_limit', 1]]);
  });
});

describe('automation state', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtakit-tsa-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('survives a restart through the state file: the new process re-applies active effects', async () => {
    const stateFile = join(dir, 'tsa.json');
    const clock = new FakeClock();
    const first = await setup(await MemoryShapingStore.open({ stateFile, clock }), clock);
    await first.feed({ siteName: YAHOO_SITE, recipient: 'a@yahoo.com', response: '421 4.7.0 self inflicted' });
    // One of two Threshold matches is remembered as well.
    await first.feed({ siteName: YAHOO_SITE, recipient: 'a@yahoo.com', response: '421 4.7.0 [TSS04] deferred' });
    await first.store.close();

    clock.advance(60_000);
    const second = await setup(await MemoryShapingStore.open({ stateFile, clock }), clock);
    await second.automation.sync();
    expect(second.calls.map(([name, e]) => [name, e.kind === 'suspend-ready-queue' && e.name])).toEqual([['suspendReadyQueue', `ip-1->${YAHOO_SITE}@smtp_client`]]);
    const [threshold] = await second.feed({ siteName: YAHOO_SITE, recipient: 'a@yahoo.com', response: '421 4.7.0 [TSS04] deferred' });
    expect(threshold?.kind).toBe('suspend-ready-queue');
    await second.store.close();
  });
});

const redisBinary = findRedisServer();
if (!redisBinary) console.warn('redis-server is not installed: the shared-automation test is skipped (apt-get install redis-server)');
describe.skipIf(!redisBinary)('automation shared through Redis', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis(redisBinary);
  });
  afterAll(() => redis.stop());

  it('counts Threshold matches across nodes and hands the effect to the other node on sync', async () => {
    const clock = new FakeClock();
    const stores = [new RedisShapingStore({ redis: redis.url }), new RedisShapingStore({ redis: redis.url })];
    try {
      const nodeA = await setup(stores[0], clock);
      const nodeB = await setup(stores[1], clock);
      const tss04 = { siteName: YAHOO_SITE, recipient: 'a@yahoo.com', response: '421 4.7.0 [TSS04] deferred' };
      expect(await nodeA.feed(tss04)).toEqual([]);
      expect(await nodeB.feed(tss04)).toHaveLength(1);
      await nodeA.automation.sync();
      expect(nodeA.calls.map(([name]) => name)).toEqual(['suspendReadyQueue']);
      expect(nodeA.automation.activeEffects()).toEqual(nodeB.automation.activeEffects());
    } finally {
      for (const s of stores) await s.close();
    }
  });
});
