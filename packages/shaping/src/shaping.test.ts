import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireAll, parseLimitSpec, parseRateSpec, pathLimits, resolveEgressPathConfig, throttleAll } from '@mtakit/core';
import { siteNameFor } from '@mtakit/core/dns';
import { FakeClock } from '@mtakit/core/testing';
import { parse as parseToml } from 'smol-toml';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConfigEffect, ReadyQueueSuspension } from './automation/effects.js';
import { createShaping, type CreateShapingOptions } from './shaping.js';
import { StoreShaper } from './shaper.js';
import { SAMPLE_MX, tableMxResolver } from './testing/mx-fixture.js';
import { deliveryRecord } from './testing/records.js';

const GMAIL_SITE = siteNameFor(SAMPLE_MX['gmail.com'] as string[]);
const HOUR = 3_600_000;
const GMAIL_428 = '421 4.7.28 [192.0.2.1] Gmail has detected an unusual rate of mail originating from your IP address.';
const dir = mkdtempSync(join(tmpdir(), 'mtakit-shaping-facade-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function make(extra: Partial<CreateShapingOptions> = {}) {
  const clock = (extra.clock as FakeClock | undefined) ?? new FakeClock(Date.UTC(2026, 2, 2, 9));
  return createShaping({ resolver: tableMxResolver(), clock, syncIntervalMs: 0, ...extra }).then((shaping) => ({ shaping, clock }));
}

describe('createShaping', () => {
  it('answers get_egress_path_config from the rules, changed by automation while the effect lasts', async () => {
    const changes: Array<[string, boolean]> = [];
    const { shaping, clock } = await make({ actions: { configChanged: (e: ConfigEffect, active) => void changes.push([e.name, active]) } });
    const hook = shaping.policy.get_egress_path_config;
    expect(await hook('gmail.com', 'ip-1', GMAIL_SITE)).toMatchObject({ max_message_rate: '50/s', connection_limit: 8 });
    await shaping.consume(deliveryRecord({ siteName: GMAIL_SITE, response: GMAIL_428, at: clock.now() }));
    expect(await hook('gmail.com', 'ip-1', GMAIL_SITE)).toMatchObject({ max_message_rate: '20/min', connection_limit: 2 });
    clock.advance(HOUR);
    await shaping.sync();
    expect(await hook('gmail.com', 'ip-1', GMAIL_SITE)).toMatchObject({ max_message_rate: '50/s', connection_limit: 8 });
    expect(changes).toEqual([['max_message_rate', true], ['connection_limit', true], ['max_message_rate', false], ['connection_limit', false]]);
    await shaping.close();
  });

  it('applies a warm-up plan as the source_selection_rate and explains every value', async () => {
    const { shaping, clock } = await make({ warmup: [{ source: 'ip-new', start: '2026-03-01' }] });
    await shaping.consume(deliveryRecord({ siteName: GMAIL_SITE, response: GMAIL_428, at: clock.now() }));
    const view = await shaping.inspect({ domain: 'Gmail.com', source: 'ip-1' });
    expect(view).toMatchObject({ domain: 'gmail.com', siteName: GMAIL_SITE, providers: ['google'], warmup: undefined });
    expect(view.sources.enable_tls).toEqual({ file: 'mtakit:builtin-shaping', block: '[provider."google"]', step: 'provider' });
    expect(view.sources.max_message_rate?.step).toBe('automation');
    expect(view.effects.map((e) => e.kind)).toEqual(['config', 'config']);
    expect(view.effects[0]?.expires).toBe(clock.now() + HOUR);

    const warming = await shaping.inspect({ domain: 'gmail.com', source: 'ip-new' });
    expect(warming.config?.source_selection_rate).toBe('200/d,max_burst=1');
    expect(warming.sources.source_selection_rate).toMatchObject({ step: 'warmup' });
    expect(warming.warmup).toMatchObject({ day: 2, dailyCap: 200, paused: false });
    // Overrides belong to ip-1's path only.
    expect(warming.effects).toEqual([]);
    expect(() => resolveEgressPathConfig(warming.config)).not.toThrow();
    await shaping.close();
  });

  it('reloads its files: new rules in force, a broken file refused with the old rules kept', async () => {
    const file = join(dir, 'reload.toml');
    writeFileSync(file, '["default"]\nconnection_limit = 3\n');
    const { shaping, clock } = await make({ files: [file] });
    const hook = shaping.policy.get_egress_path_config;
    expect(await hook('gmail.com', 'ip-1', GMAIL_SITE)).toMatchObject({ connection_limit: 3 });
    writeFileSync(file, '["default"]\nconnection_limit = 5\n[[default.automation]]\nregex = "^451 slow down"\naction = "Suspend"\nduration = "5m"\n');
    const reloaded = await shaping.reload();
    expect(shaping.rules).toBe(reloaded);
    expect(await hook('gmail.com', 'ip-1', GMAIL_SITE)).toMatchObject({ connection_limit: 5 });
    // Automation matches the reloaded file's rules.
    const made = await shaping.automation.consume(deliveryRecord({ siteName: GMAIL_SITE, response: '451 slow down please', at: clock.now() }));
    expect(made.map((e) => e.kind)).toEqual(['suspend-ready-queue']);
    writeFileSync(file, '["default"]\nconnection_limit = "many"\n');
    await expect(shaping.reload()).rejects.toThrow(/connection_limit/);
    expect(await hook('gmail.com', 'ip-1', GMAIL_SITE)).toMatchObject({ connection_limit: 5 });
    await shaping.close();
  });

  it('reports the live leases and buckets of a path', async () => {
    const { shaping } = await make();
    const config = await shaping.egressPathConfig('gmail.com', 'ip-1', GMAIL_SITE);
    const limits = pathLimits('ip-1', GMAIL_SITE, resolveEgressPathConfig(config));
    const held = await acquireAll(shaping.shaper, limits.connections);
    expect(held.granted).toBe(true);
    for (let i = 0; i < 3; i++) await throttleAll(shaping.shaper, limits.messageRates);
    const states = await shaping.limitStates(limits);
    expect(states.map((s) => [s.kind, s.name, s.kind === 'connections' ? s.leases.count : s.bucket.remaining])).toEqual([
      ['connections', 'connection_limit', 1],
      ['connections', 'additional_connection_limits.shaping-provider-google-ip-1-limit', 1],
      ['connection-rate', 'max_connection_rate', 60],
      ['message-rate', 'max_message_rate', 47],
    ]);
    await shaping.close();
  });

  it('keeps automation effects and warm-up progress across a restart (state file)', async () => {
    const stateFile = join(dir, 'restart.json');
    const clock = new FakeClock(Date.UTC(2026, 2, 2, 9));
    const rules = { name: 'y.toml', document: parseToml('[provider."y"]\nmatch=[{MXSuffix=".yahoodns.net"}]\n[[provider."y".automation]]\nregex="TSS04"\naction="Suspend"\nduration="2h"\n') };
    const yahooSite = siteNameFor(SAMPLE_MX['yahoo.com'] as string[]);
    const first = await make({ clock, stateFile, files: [rules], warmup: [{ source: 'ip-new', start: '2026-03-02' }] });
    await first.shaping.consume(deliveryRecord({ recipient: 'a@yahoo.com', siteName: yahooSite, response: '421 4.7.0 [TSS04] deferred', at: clock.now() }));
    // The new IP bounces badly on its first day, which pauses its plan.
    for (let i = 0; i < 100; i++) {
      await first.shaping.consume(deliveryRecord({ type: 'Bounce', source: 'ip-new', siteName: yahooSite, response: '550 5.1.1 no such user', at: clock.now() }));
    }
    expect(first.shaping.warmup.statusFor('ip-new', 'x')).toMatchObject({ day: 1, paused: true });
    await first.shaping.close();

    clock.advance(HOUR);
    const suspended: ReadyQueueSuspension[] = [];
    const second = await make({
      clock, stateFile, files: [rules], warmup: [{ source: 'ip-new', start: '2026-03-02' }],
      actions: { suspendReadyQueue: (e) => void suspended.push(e) },
    });
    expect(suspended.map((s) => [s.name, s.expires - clock.now()])).toEqual([[`ip-1->${yahooSite}@smtp_client`, HOUR]]);
    // A day later the plan has not moved: the restarted process remembers the pause and the bounces.
    clock.advance(23 * HOUR);
    expect(second.shaping.warmup.statusFor('ip-new', 'x')).toMatchObject({ day: 1, paused: true, pausedDays: 1 });
    await second.shaping.close();
  });
});

describe('acquireAll and throttleAll over the store shaper', () => {
  it('acquireAll takes all leases or none', async () => {
    const shaper = new StoreShaper({ clock: new FakeClock() });
    const limits = [
      { key: 'own', name: 'connection_limit', limit: parseLimitSpec(5) },
      { key: 'shared', name: 'additional_connection_limits.cap', limit: parseLimitSpec(1) },
    ];
    const first = await acquireAll(shaper, limits);
    expect(first.granted).toBe(true);
    const second = await acquireAll(shaper, limits);
    expect(second).toMatchObject({ granted: false, name: 'additional_connection_limits.cap' });
    expect((await shaper.leaseState('own', parseLimitSpec(5))).count).toBe(1);
    if (first.granted) {
      expect(await first.renew()).toBe(true);
      await first.release();
    }
    expect((await acquireAll(shaper, limits)).granted).toBe(true);
  });

  it('throttleAll stops at the first throttle that refuses and names it', async () => {
    const shaper = new StoreShaper({ clock: new FakeClock() });
    const rates = [
      { key: 'own', name: 'max_message_rate', spec: parseRateSpec('5/min') },
      { key: 'global', name: 'additional_message_rate_throttles.global', spec: parseRateSpec('2/min') },
    ];
    expect(await throttleAll(shaper, rates)).toEqual({ allowed: true });
    expect(await throttleAll(shaper, rates)).toEqual({ allowed: true });
    const third = await throttleAll(shaper, rates);
    expect(third).toMatchObject({ allowed: false, name: 'additional_message_rate_throttles.global' });
    expect(third.allowed === false && third.retryAfterMs).toBeCloseTo(30_000, 3);
  });
});
